using System.Security.Cryptography;
using System.Text.Json;
using PortScanEdge.Core.Imaging;
using PortScanEdge.Detection.Benchmarking;

namespace PortScanEdge.Host.Tests;

/// <summary><c>analyze</c> and <c>bench</c> through the real executable: exit codes and JSON shape (never timings).</summary>
public sealed class AnalyzeAndBenchCommandTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "portscan-analyze-" + Guid.NewGuid().ToString("N"));
    private readonly string clean;
    private readonly string anomalous;

    public AnalyzeAndBenchCommandTests()
    {
        Directory.CreateDirectory(directory);
        clean = Write("clean.png", PngWriter.EncodeGrey16(SyntheticScans.Generate(1200, 480, 11, withAnomaly: false), 1200, 480));
        anomalous = Write("anomalous.png", PngWriter.EncodeGrey16(SyntheticScans.Generate(1200, 480, 12, withAnomaly: true), 1200, 480));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static List<JsonElement> JsonLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();

    [Fact]
    public async Task Analyze_GoodFiles_PrintsOneJsonLinePerFileAndExitsZero()
    {
        var heatmaps = Path.Combine(directory, "heat");
        // The committed local-contrast test model, named explicitly: the default is now the shipped trained model,
        // whose verdicts on these hand-made scans are not what this plumbing test is about.
        var testModel = RepositoryPaths.Of("models/test/portscan-test-localcontrast.onnx");
        var (exit, stdout, stderr) = await CliProcess.RunAsync("analyze", "--model", testModel, "--heatmap-dir", heatmaps, clean, anomalous);
        Assert.True(exit == 0, stderr);
        var lines = JsonLines(stdout);
        Assert.Equal(2, lines.Count);
        Assert.Equal(clean, lines[0].GetProperty("file").GetString());
        Assert.True(lines[0].GetProperty("ok").GetBoolean());
        Assert.Equal("clear", lines[0].GetProperty("verdict").GetString());
        Assert.Equal(0, lines[0].GetProperty("regions").GetArrayLength());
        Assert.Equal("alert", lines[1].GetProperty("verdict").GetString());
        Assert.True(lines[1].GetProperty("score").GetDouble() >= 0.5);
        var region = lines[1].GetProperty("regions")[0];
        foreach (var key in new[] { "x", "y", "width", "height", "peak_x", "peak_y", "peak_score", "area" })
        {
            Assert.True(region.TryGetProperty(key, out _), $"region lacks {key}");
        }

        var model = lines[1].GetProperty("model");
        var modelFile = Path.Combine(Path.GetDirectoryName(CliProcess.ExecutablePath)!, "models", "test", "portscan-test-localcontrast.onnx");
        Assert.Equal("portscan-test-localcontrast", model.GetProperty("name").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(modelFile))), model.GetProperty("sha256").GetString());
        foreach (var stage in new[] { "decode", "preprocess", "infer", "postprocess" })
        {
            Assert.True(lines[1].GetProperty("timings_ms").GetProperty(stage).GetDouble() >= 0);
        }

        Assert.True(File.Exists(lines[1].GetProperty("heatmap").GetString()));
    }

    [Fact]
    public async Task Analyze_SomeFilesHostile_ReportsEachAndExitsThree()
    {
        var truncated = Write("truncated.png", File.ReadAllBytes(clean)[..4000]);
        var text = Write("notes.png", "this is not an image"u8.ToArray());
        var (exit, stdout, _) = await CliProcess.RunAsync("analyze", truncated, text, Path.Combine(directory, "missing.png"), clean, directory);
        Assert.Equal(3, exit);
        var lines = JsonLines(stdout);
        Assert.Equal(5, lines.Count);
        string[] expectedKinds = ["truncated", "not_an_image", "file_error", "-", "file_error"];
        Assert.Equal(expectedKinds, lines.Select(l => l.TryGetProperty("error_kind", out var k) ? k.GetString() ?? "?" : "-").ToArray());
        Assert.All(lines.Where(l => !l.GetProperty("ok").GetBoolean()), l => Assert.False(string.IsNullOrWhiteSpace(l.GetProperty("error").GetString())));
        Assert.True(lines[3].GetProperty("ok").GetBoolean());
    }

    [Theory]
    [InlineData("analyze")]
    [InlineData("analyze", "--model", "/nonexistent/model.onnx", "x.png")]
    [InlineData("analyze", "--no-such-option", "x.png")]
    [InlineData("bench", "--frames", "0")]
    public async Task Analyze_OrBench_UsageOrModelErrors_ExitTwo(params string[] args)
    {
        var (exit, _, stderr) = await CliProcess.RunAsync(args);
        Assert.Equal(2, exit);
        Assert.False(string.IsNullOrWhiteSpace(stderr));
    }

    [Fact]
    public async Task Bench_Json_LastLineHasEveryRequiredFigure()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("bench", "--frames", "3", "--warmup", "1", "--width", "640", "--height", "256", "--json");
        Assert.True(exit == 0, stderr);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        var figures = JsonDocument.Parse(last).RootElement;
        foreach (var key in new[] { "overhead_ratio", "alloc_bytes_per_frame", "gen2_collections", "e2e_ms_p50", "infer_ms_p50", "decode_ms_p50", "scans_per_second", "peak_rss_mb" })
        {
            Assert.True(figures.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number, $"missing {key}");
        }

        Assert.Equal(3, figures.GetProperty("frames").GetInt32());
        Assert.Equal(0, figures.GetProperty("refused").GetInt32());
        Assert.Contains("bench: measuring", stderr, StringComparison.Ordinal);
    }
}
