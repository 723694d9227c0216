namespace PortScanEdge.Host.Tests.Operations;

/// <summary>
/// Issue 10's CI check: the gateway's linux-arm64 build, published as a technician gets it (self-contained,
/// ReadyToRun, through <c>deploy/scripts/publish.sh</c>), analyses radiographs under qemu-user
/// (<c>deploy/scripts/arm64-smoke.sh</c>) and gives the same verdicts and regions, and the same scores to 1e-4, as the x64 build under
/// test. Needs qemu-user-static and the arm64 C/C++ runtime and OpenSSL (tests/install-deps.sh installs them) and
/// root; without them the scripts fail and say what is missing.
/// </summary>
[Collection(Arm64BuildRunsAlone.Name)]
public sealed class Arm64BuildTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("portscan-arm64-publish-").FullName;

    [Fact]
    public async Task Arm64Publish_UnderQemu_AnalysesRadiographsLikeTheX64Build()
    {
        var scripts = RepositoryPaths.Of("deploy/scripts");

        var (publishExit, publishOut, publishErr) = await ShellProcess.RunAsync(
            "bash", [Path.Combine(scripts, "publish.sh"), "--rid", "linux-arm64", "--out", _out], TimeSpan.FromMinutes(20));
        Assert.True(publishExit == 0, $"publish.sh exit {publishExit}\n{publishOut}\n{publishErr}");
        Assert.Contains("publish linux-arm64: ", publishOut, StringComparison.Ordinal);
        Assert.Contains("native libraries ok, model models/portscan-xray.onnx", publishOut, StringComparison.Ordinal);

        var (smokeExit, smokeOut, smokeErr) = await ShellProcess.RunAsync(
            "bash", [Path.Combine(scripts, "arm64-smoke.sh"), "--out", _out, "--x64-dll", CliProcess.ExecutablePath], TimeSpan.FromMinutes(10));
        Assert.True(smokeExit == 0, $"arm64-smoke.sh exit {smokeExit}\n{smokeOut}\n{smokeErr}");
        Assert.Contains("linux-arm64 under qemu analysed 2 radiographs", smokeOut, StringComparison.Ordinal);
        Assert.Contains("results match linux-x64", smokeOut, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_out, recursive: true);
}

/// <summary>
/// The publish takes both cores for a minute or more: it runs alone, after the parallel tests, so that it
/// cannot starve the tests that wait on the lane's timeouts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Arm64BuildRunsAlone
{
    public const string Name = "arm64 build";
}
