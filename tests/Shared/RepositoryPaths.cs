namespace PortScanEdge.Tests;

/// <summary>Finds files of the repository from the test's output directory. One copy, linked into every test project that needs it.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PortScanEdge.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("PortScanEdge.sln not found above " + AppContext.BaseDirectory);
    }
}
