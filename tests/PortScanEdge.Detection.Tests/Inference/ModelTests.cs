using System.Security.Cryptography;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Detection.Inference;
using PortScanEdge.Detection.Tests.Support;

namespace PortScanEdge.Detection.Tests.Inference;

public sealed class ModelTests
{
    [Fact]
    public void Load_TestModel_ReadsContractMetadataAndHashesTheFile()
    {
        using var model = OnnxAnomalyModel.Load(Fixtures.TestModelPath, Fixtures.Options());
        var contract = model.Contract;
        Assert.Equal("portscan-test-localcontrast", contract.Identity.Name);
        Assert.Equal("0.1.0", contract.Identity.Version);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Fixtures.TestModelPath))), contract.Identity.Sha256);
        Assert.Equal(1, contract.ContractVersion);
        Assert.Equal((3, 256, 256), (contract.Channels, contract.InputHeight, contract.InputWidth));
        Assert.Equal(PixelTransform.LogAttenuation, contract.Transform);
        Assert.Equal((4, 32), (contract.Downsample, contract.TileOverlap));
        Assert.Equal(65535, contract.PixelScale);
        Assert.Equal((0.5, 0.5), (contract.ImageThreshold, contract.PixelThreshold));
        Assert.Null(contract.FixedBatch);
        Assert.Equal(["pred_score", "anomaly_map", "pred_label", "pred_mask"], model.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void Binding_AnomalibSignatureBatch_MatchesThePyTorchReferenceSlotBySlot()
    {
        var golden = Fixtures.Json("test-model-outputs.json");
        using var model = OnnxAnomalyModel.Load(Fixtures.TestModelPath, Fixtures.Options());
        using var binding = new ModelBinding(model, batchSize: 4);
        const int Size = 256;
        // Same formula as models/test/make_fixture.py.
        for (var b = 0; b < 4; b++)
        {
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var grey = 0.2f + (0.1f * (((7 * y) + (13 * x) + (29 * b)) % 11) / 11f);
                    if (b is 1 or 3 && x >= 60 + (30 * b) && x < 66 + (30 * b) && y >= 40 + (40 * b) && y < 46 + (40 * b))
                    {
                        grey = 0.7f;
                    }

                    for (var c = 0; c < 3; c++)
                    {
                        binding.Input[(((b * 3) + c) * Size * Size) + (y * Size) + x] = grey;
                    }
                }
            }
        }

        binding.Run();
        var scores = golden.GetProperty("scores").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var sums = golden.GetProperty("map_sums").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (var b = 0; b < 4; b++)
        {
            Assert.Equal(scores[b], binding.Scores[b], 4);
            var sum = binding.Maps.AsSpan(b * Size * Size, Size * Size).ToArray().Sum(v => (double)v);
            Assert.Equal(sums[b], sum, 2);
        }

        foreach (var sample in golden.GetProperty("samples").EnumerateArray())
        {
            var at = (sample.GetProperty("slot").GetInt32() * Size * Size) + (sample.GetProperty("y").GetInt32() * Size) + sample.GetProperty("x").GetInt32();
            Assert.Equal(sample.GetProperty("value").GetSingle(), binding.Maps[at], 4);
        }
    }

    [Fact]
    public void Load_NotAnOnnxFile_ThrowsNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"not-a-model-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "definitely not protobuf");
        try
        {
            var error = Assert.Throws<ModelContractException>(() => OnnxAnomalyModel.Load(path, Fixtures.Options()));
            Assert.Contains(Path.GetFileName(path), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingThePath()
    {
        var error = Assert.Throws<ModelContractException>(() => OnnxAnomalyModel.Load("/nonexistent/model.onnx", Fixtures.Options()));
        Assert.Contains("/nonexistent/model.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_PlainAnomalibExportWithoutMetadata_UsesContractDefaults()
    {
        var contract = ModelContract.Resolve("patchcore.onnx", "abc", new Dictionary<string, string>(), [-1, 3, 224, 224], new DetectionOptions());
        Assert.Equal(("patchcore", "0.0.0", 0), (contract.Identity.Name, contract.Identity.Version, contract.ContractVersion));
        Assert.Equal((3, 224, 224), (contract.Channels, contract.InputHeight, contract.InputWidth));
        Assert.Equal((PixelTransform.Linear, 1, 0), (contract.Transform, contract.Downsample, contract.TileOverlap));
        Assert.Null(contract.PixelScale);
        Assert.Equal((0.5, 0.5), (contract.ImageThreshold, contract.PixelThreshold));
    }

    [Fact]
    public void Resolve_ConfigOverrides_WinOverModelMetadata()
    {
        var metadata = new Dictionary<string, string> { ["portscan.image_threshold"] = "0.4", ["portscan.tile_overlap"] = "16", ["portscan.transform"] = "linear" };
        var options = new DetectionOptions { Threshold = 0.8, TileOverlap = 8, Downsample = 2, Transform = PixelTransformOverride.LogAttenuation };
        var contract = ModelContract.Resolve("m.onnx", "abc", metadata, [1, 3, 64, 64], options);
        Assert.Equal((0.8, 0.8, 8, 2, PixelTransform.LogAttenuation, 1), (contract.ImageThreshold, contract.PixelThreshold, contract.TileOverlap, contract.Downsample, contract.Transform, contract.FixedBatch));
    }

    [Theory]
    [InlineData("portscan.transform", "gamma", "'gamma' is not 'linear' or 'log_attenuation'")]
    [InlineData("portscan.channels", "1", "1 channels but input 'input' has 3")]
    [InlineData("portscan.tile_overlap", "64", "overlap 64 must be smaller")]
    [InlineData("portscan.downsample", "zero", "portscan.downsample='zero' is not a whole number")]
    [InlineData("portscan.image_threshold", "1.5", "portscan.image_threshold='1.5' is not a number in 0..1")]
    [InlineData("portscan.mean", "0.5,0.5", "portscan.mean has 2 values for 3 channels")]
    [InlineData("portscan.input_height", "128", "does not match the input shape")]
    [InlineData("portscan.role", "main", "portscan.role='main' is not 'band'")]
    [InlineData("portscan.band_model", "band.onnx", "needs all of portscan.band_model, portscan.band_sha256 and portscan.band_from")]
    [InlineData("portscan.band_from", "0.5", "needs all of portscan.band_model")]
    public void Resolve_BadMetadata_ThrowsNamingKeyAndValue(string key, string value, string mentions)
    {
        var metadata = new Dictionary<string, string> { [key] = value };
        var error = Assert.Throws<ModelContractException>(() => ModelContract.Resolve("m.onnx", "abc", metadata, [-1, 3, 64, 64], new DetectionOptions()));
        Assert.Contains(mentions, error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> BandMetadata(string file = "m-band.onnx", string from = "0.8125") => new()
    {
        ["portscan.band_model"] = file,
        ["portscan.band_sha256"] = new string('a', 64),
        ["portscan.band_from"] = from,
    };

    [Fact]
    public void Resolve_TwoBandMetadata_NamesTheBandAndItsFirstRow()
    {
        var contract = ModelContract.Resolve("m.onnx", "abc", BandMetadata(), [-1, 1, 64, 64], new DetectionOptions());
        Assert.Equal(new ModelBand("m-band.onnx", new string('a', 64), 0.8125), contract.Band);
        Assert.False(contract.IsBandNetwork);
        Assert.Equal(208, contract.Band!.FirstRow(256)); // rows 832.. of a 1024-row scan at downsample 4
        Assert.Equal(203, contract.Band.FirstRow(250)); // floor(203.125)
    }

    [Theory]
    [InlineData("../elsewhere/band.onnx", "0.8", "must be a plain file name")]
    [InlineData("m-band.onnx", "1", "must lie strictly between 0 and 1")]
    [InlineData("m-band.onnx", "0", "must lie strictly between 0 and 1")]
    public void Resolve_BadBandMetadata_ThrowsNamingTheProblem(string file, string from, string mentions)
    {
        var error = Assert.Throws<ModelContractException>(() => ModelContract.Resolve("m.onnx", "abc", BandMetadata(file, from), [-1, 1, 64, 64], new DetectionOptions()));
        Assert.Contains(mentions, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_TwoBandModelWithDownsampleOverride_IsRefused()
    {
        var error = Assert.Throws<ModelContractException>(() => ModelContract.Resolve("m.onnx", "abc", BandMetadata(), [-1, 1, 64, 64], new DetectionOptions { Downsample = 2 }));
        Assert.Contains("detection.downsample cannot override it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoBandModel_LoadsItsBandNetworkPinnedBySha256()
    {
        using var model = OnnxAnomalyModel.Load(Fixtures.TwoBandModelPath, Fixtures.Options());
        var band = Assert.IsType<ModelBand>(model.Contract.Band);
        Assert.NotNull(model.Band);
        Assert.Equal(band.Sha256, model.Band.Contract.Identity.Sha256);
        Assert.True(model.Band.Contract.IsBandNetwork);
        Assert.Equal((4, 2, 2), (model.Contract.Downsample, model.Band.Contract.Downsample, model.BandRatio));
    }

    [Fact]
    public void Load_BandNetworkOnItsOwn_IsRefusedNamingTheMainFile()
    {
        using var directory = new TempDirectory();
        var (_, bandPath) = CopyTwoBandModel(directory.Path);
        var error = Assert.Throws<ModelContractException>(() => OnnxAnomalyModel.Load(bandPath, Fixtures.Options()));
        Assert.Contains("is the band network of a two-band model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoBandModelWithoutItsBandFile_ThrowsNamingTheBandFile()
    {
        using var directory = new TempDirectory();
        var (mainPath, bandPath) = CopyTwoBandModel(directory.Path);
        File.Delete(bandPath);
        var error = Assert.Throws<ModelContractException>(() => OnnxAnomalyModel.Load(mainPath, Fixtures.Options()));
        Assert.Contains("is a two-band model and its band network cannot be used", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(bandPath), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoBandModelWithAnotherBandFile_ThrowsOnTheSha256()
    {
        using var directory = new TempDirectory();
        var (mainPath, bandPath) = CopyTwoBandModel(directory.Path);
        File.Copy(Fixtures.TestModelPath, bandPath, overwrite: true);
        var error = Assert.Throws<ModelContractException>(() => OnnxAnomalyModel.Load(mainPath, Fixtures.Options()));
        Assert.Contains("not the", error.Message, StringComparison.Ordinal);
        Assert.Contains("a different or altered file", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Copies the two-band model and its band network into <paramref name="directory"/>.</summary>
    private static (string Main, string Band) CopyTwoBandModel(string directory)
    {
        using var model = OnnxAnomalyModel.Load(Fixtures.TwoBandModelPath, Fixtures.Options());
        var bandFile = model.Contract.Band!.File;
        var main = Path.Combine(directory, Path.GetFileName(Fixtures.TwoBandModelPath));
        var band = Path.Combine(directory, bandFile);
        File.Copy(Fixtures.TwoBandModelPath, main);
        File.Copy(Path.Combine(Path.GetDirectoryName(Fixtures.TwoBandModelPath)!, bandFile), band);
        return (main, band);
    }
}
