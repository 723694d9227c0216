namespace PortScanEdge.Host.Tests;

/// <summary>A config file written for one test and deleted afterwards.</summary>
internal sealed class TempConfig : IDisposable
{
    private TempConfig(string path) => Path = path;

    public string Path { get; }

    public static TempConfig FromDemo(Func<string, string> edit)
    {
        var demo = File.ReadAllText(System.IO.Path.Combine(CliProcess.RepositoryRoot, "deploy/config/demo.yaml"));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"portscan-test-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, edit(demo));
        return new TempConfig(path);
    }

    public void Dispose() => File.Delete(Path);
}
