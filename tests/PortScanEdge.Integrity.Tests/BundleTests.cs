using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Integrity.Bundles;

namespace PortScanEdge.Integrity.Tests;

/// <summary>A gateway's data: audit log, archive, checkpoints, with two transactions recorded.</summary>
internal sealed class GatewayData : IDisposable
{
    private GatewayData(TempDir dir, AuditLogSettings settings) { Dir = dir; Settings = settings; }

    public TempDir Dir { get; }

    public AuditLogSettings Settings { get; }

    public TransactionArchive Archive => new(Dir.File("data/archive"));

    public string CheckpointFile => Dir.File("data/audit/checkpoints.jsonl");

    public VehicleTransaction Referred { get; private set; } = null!;

    public VehicleTransaction Cleared { get; private set; } = null!;

    public long ReferredEntry { get; private set; }

    public static async Task<GatewayData> CreateAsync(TempDir? dir = null, AuditLogSettings? settings = null, bool checkpoint = true)
    {
        dir ??= new TempDir();
        settings ??= new AuditLogSettings
        {
            LogPath = dir.File("data/audit/audit.log"),
            KeyPath = dir.File("data/audit/gateway-key.pem"),
            SiteId = "demo-port",
            GatewayId = "gw-1",
        };
        var data = new GatewayData(dir, settings);
        var clock = new ManualClock(Fixtures.Start);
        using var log = new AuditLog(settings, clock);
        var archive = new TransactionArchive(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(settings.LogPath)!)!, "archive"));
        var recorder = new TransactionEvidenceRecorder(log, archive);
        using var checkpointer = new AuditCheckpointer(log, [], Path.Combine(Path.GetDirectoryName(settings.LogPath)!, "checkpoints.jsonl"));
        await log.AppendAsync(AuditKind.GatewayStart, new { version = "test", public_key = log.PublicKey.Pem });
        await checkpointer.CheckpointAsync(force: true);

        data.Referred = Fixtures.Transaction(Fixtures.Start.AddMinutes(1));
        data.Cleared = Fixtures.Transaction(Fixtures.Start.AddMinutes(2), lane: "lane-2", score: 0.1, action: DecisionAction.Release) with
        {
            ReferralReasons = [],
            Decision = new DecisionRecord(DecisionAction.Release, "policy", Fixtures.Start.AddMinutes(2), "machine clear", false, null),
        };
        await log.AppendDeviceFaultAsync("plate-1", "lane-1", "no_read", "no plate read in 3 s");
        await log.AppendDecisionAsync(data.Referred, data.Referred.Decision!);
        await log.AppendCommandAsync(new CommandAuditPayload("close_lane", "mqtt", "control-room", "m-9", "lane-3", null, null, "done", ""));
        data.ReferredEntry = (await recorder.RecordAsync(data.Referred, ArchiveTests.Images(dir), ArchiveTests.HeatMaps())).Seq;
        await recorder.RecordAsync(data.Cleared, ArchiveTests.Images(dir), ArchiveTests.HeatMaps());
        await log.AppendDeviceFaultAsync("scanner-1", "lane-1", "timeout", "scanner busy");
        if (checkpoint)
        {
            await checkpointer.CheckpointAsync(force: false);
        }

        return data;
    }

    public BundleExportResult Export(string outPath, params VehicleTransaction[] transactions)
    {
        using var key = AuditPublicKey.FromFile(AuditSigningKey.PublicKeyPath(Settings.KeyPath));
        return ReviewBundleWriter.Write(new BundleExportRequest
        {
            Transactions = transactions.Select(t => Archive.Find(t.Id)!).ToArray(),
            LogPath = Settings.LogPath,
            CheckpointFile = CheckpointFile,
            PublicKey = key,
            SiteId = "demo-port",
            GatewayId = "gw-1",
            OutPath = outPath,
        });
    }

    public AuditPublicKey PublicKey() => AuditPublicKey.FromFile(AuditSigningKey.PublicKeyPath(Settings.KeyPath));

    public void Dispose() => Dir.Dispose();
}

public class BundleTests
{
    [Fact]
    public async Task Export_ThenVerify_RoundTrips()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");

        var exported = data.Export(bundle, data.Referred);
        using var key = data.PublicKey();
        var result = ReviewBundleVerifier.Verify(bundle, key);

        Assert.True(result.Ok, string.Join("\n", result.Problems));
        Assert.Equal(3, exported.FirstSeq); // the decision entry comes first
        Assert.Equal(7, exported.Checkpoint.Seq);
        Assert.Contains(result.Notes, n => n.Contains("audit entries 3..7 chain to the checkpoint at entry 7", StringComparison.Ordinal));
        using var zip = ZipFile.OpenRead(bundle);
        Assert.Equal(
            new[]
            {
                "audit/entries.jsonl", "checkpoint.json", "manifest.json", "public-key.pem",
                $"transactions/{data.Referred.Id}/heatmaps/heatmap.png", $"transactions/{data.Referred.Id}/images/scan-high.png",
                $"transactions/{data.Referred.Id}/images/scan-low.png", $"transactions/{data.Referred.Id}/record.json",
            },
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var proof = ReadText(zip, "audit/entries.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, proof.Length);
        Assert.Contains("\"payload\"", proof[0], StringComparison.Ordinal);        // 3: the decision on this vehicle
        Assert.DoesNotContain("\"payload\"", proof[1], StringComparison.Ordinal);  // 4: another lane's command, redacted
        Assert.Contains("\"payload\"", proof[2], StringComparison.Ordinal);        // 5: this transaction
        Assert.DoesNotContain("\"payload\"", proof[3], StringComparison.Ordinal);  // 6: another vehicle, redacted
    }

    [Fact]
    public async Task Export_ByLaneAndTimeRange_IncludesEachTransaction()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("range.zip");
        var selected = data.Archive.Query(null, Fixtures.Start, Fixtures.Start.AddHours(1));

        using var key = data.PublicKey();
        ReviewBundleWriter.Write(new BundleExportRequest
        {
            Transactions = selected, LogPath = data.Settings.LogPath, CheckpointFile = data.CheckpointFile, PublicKey = key,
            SiteId = "demo-port", GatewayId = "gw-1", OutPath = bundle,
        });
        var result = ReviewBundleVerifier.Verify(bundle, key);

        Assert.Equal(2, selected.Count);
        Assert.True(result.Ok, string.Join("\n", result.Problems));
        Assert.StartsWith("2 transactions", result.Notes[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_BeforeAnyCheckpointCoversTheTransaction_SaysWhy()
    {
        using var data = await GatewayData.CreateAsync(checkpoint: false);

        var ex = Assert.Throws<BundleExportException>(() => data.Export(data.Dir.File("x.zip"), data.Referred));

        Assert.Contains("no signed checkpoint covers audit entry 5 yet", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(data.Dir.File("x.zip")));
    }

    [Fact]
    public async Task Export_WhenTheArchivedImageWasSwapped_Refuses()
    {
        using var data = await GatewayData.CreateAsync();
        File.WriteAllText(data.Archive.Find(data.Referred.Id)!.ImagePath("scan-high.png"), "a cleaner-looking radiograph");

        var ex = Assert.Throws<BundleExportException>(() => data.Export(data.Dir.File("x.zip"), data.Referred));

        Assert.Contains("images/scan-high.png: its SHA-256", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SwappedImage_FailsNamingTheImage(bool manifestUpdated)
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred);
        var image = $"transactions/{data.Referred.Id}/images/scan-high.png";

        Tamper(bundle, image, _ => Encoding.ASCII.GetBytes("a cleaner-looking radiograph"), manifestUpdated);
        using var key = data.PublicKey();
        var result = ReviewBundleVerifier.Verify(bundle, key);

        Assert.False(result.Ok);
        Assert.StartsWith($"{image}: its SHA-256 ", result.Problems[0], StringComparison.Ordinal);
        Assert.Contains($"recorded for this image in audit entry {data.ReferredEntry}: the image was swapped or altered", result.Problems[0], StringComparison.Ordinal);
        Assert.Equal(manifestUpdated ? 1 : 2, result.Problems.Count);
    }

    [Fact]
    public async Task ChangedScore_FailsNamingTheFieldAndBothValues()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred);
        var record = $"transactions/{data.Referred.Id}/record.json";

        Tamper(bundle, record, bytes => EditJson(bytes, r => r["analysis"]!["score"] = 0.12), manifestUpdated: true);
        using var key = data.PublicKey();
        var result = ReviewBundleVerifier.Verify(bundle, key);

        Assert.False(result.Ok);
        Assert.Equal($"{record}: analysis.score is 0.12 but audit entry {data.ReferredEntry} recorded 0.87", result.Problems[0]);
        Assert.Contains(result.Problems, p => p.Contains("the record was altered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AlteredDecision_FailsNamingTheDecision()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred);
        var record = $"transactions/{data.Referred.Id}/record.json";

        Tamper(bundle, record, bytes => EditJson(bytes, r =>
        {
            r["decision"]!["action"] = "release";
            r["outcome"] = "released";
        }), manifestUpdated: true);
        using var key = data.PublicKey();
        var result = ReviewBundleVerifier.Verify(bundle, key);

        Assert.False(result.Ok);
        Assert.Contains($"{record}: decision.action is release but audit entry {data.ReferredEntry} recorded refer", result.Problems);
        Assert.Contains($"{record}: outcome is released but audit entry {data.ReferredEntry} recorded referred", result.Problems);
        Assert.Contains($"{record}: decision.action is release but audit entry 3 (decision) recorded refer", result.Problems);
    }

    [Fact]
    public async Task ChangedScore_WithTheAuditEntryEditedToMatch_FailsTheProof()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred);
        var record = $"transactions/{data.Referred.Id}/record.json";
        Tamper(bundle, record, bytes => EditJson(bytes, r => r["analysis"]!["score"] = 0.12), manifestUpdated: true);

        Tamper(bundle, "audit/entries.jsonl", bytes => Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(bytes).Replace("\\\"score\\\":0.87", "\\\"score\\\":0.12", StringComparison.Ordinal)), manifestUpdated: true);
        using var key = data.PublicKey();
        var result = ReviewBundleVerifier.Verify(bundle, key);

        Assert.False(result.Ok);
        Assert.StartsWith($"audit/entries.jsonl: modified at entry {data.ReferredEntry}", result.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmuggledTransaction_ListedInTheManifestFilesOnly_Fails()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred);
        var smuggled = $"transactions/{Ulid.New(Fixtures.Start)}/record.json";

        Tamper(bundle, "manifest.json", bytes =>
        {
            var manifest = JsonNode.Parse(bytes)!;
            manifest["files"]!.AsArray().Add(new JsonObject { ["path"] = smuggled, ["sha256"] = Fixtures.Sha([1]), ["size_bytes"] = 1 });
            return Encoding.UTF8.GetBytes(manifest.ToJsonString());
        }, manifestUpdated: false, add: (smuggled, [1]));
        using var key = data.PublicKey();
        var result = ReviewBundleVerifier.Verify(bundle, key);

        Assert.Equal($"{smuggled}: belongs to no transaction in the manifest, so nothing vouches for it", Assert.Single(result.Problems));
    }

    [Fact]
    public async Task BundleFromAnotherKey_IsRejectedAgainstTheTrustedKey()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred);
        using var other = AuditSigningKey.LoadOrCreate(data.Dir.File("other.pem"), null);

        var result = ReviewBundleVerifier.Verify(bundle, other.PublicKey);

        Assert.False(result.Ok);
        Assert.Contains("is not the trusted gateway key", result.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeldCheckpoint_ThatDisagreesWithTheProof_Fails()
    {
        using var data = await GatewayData.CreateAsync();
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred);
        var published = AuditCheckpoint.ReadFile(data.CheckpointFile)[^1];
        using var signer = AuditSigningKey.Load(data.Settings.KeyPath, null);
        var forgedHead = new AuditHead(published.Seq, new string('1', 64), published.At);
        var other = AuditCheckpoint.Create("demo-port", "gw-1", forgedHead, Fixtures.Start, signer);
        using var key = data.PublicKey();

        var agreeing = ReviewBundleVerifier.Verify(bundle, key, [published]);
        var disagreeing = ReviewBundleVerifier.Verify(bundle, key, [other]);

        Assert.True(agreeing.Ok);
        Assert.Contains(agreeing.Notes, n => n.Contains("you hold agrees", StringComparison.Ordinal));
        Assert.Contains("the bundle's proof is not the published log", Assert.Single(disagreeing.Problems), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> HostileBundles() => new()
    {
        { "not-a-zip", "not a zip file" },
        { "truncated", "not a zip file" },
        { "traversal", "unsafe name '../../etc/cron.d/evil'" },
        { "absolute", "unsafe name '/etc/passwd'" },
        { "duplicate", "holds 'manifest.json' twice" },
        { "bomb", "manifest.json declares 67108864 bytes; at most 4194304 are accepted" },
        { "too-many", "bundles of more than 10000 are refused" },
        { "bad-manifest", "manifest.json is not a bundle manifest" },
        { "no-manifest", "manifest.json is missing" },
    };

    [Theory]
    [MemberData(nameof(HostileBundles))]
    public async Task HostileBundle_GetsAClearErrorNotACrash(string kind, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File(kind + ".zip");
        switch (kind)
        {
            case "not-a-zip":
                await File.WriteAllTextAsync(path, "hello, reviewer");
                break;
            case "truncated":
                using (var data = await GatewayData.CreateAsync())
                {
                    data.Export(path, data.Referred);
                }

                var bytes = await File.ReadAllBytesAsync(path);
                await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
                break;
            default:
                using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
                {
                    void Add(string name, byte[] content)
                    {
                        using var stream = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                        stream.Write(content);
                    }

                    switch (kind)
                    {
                        case "traversal": Add("../../etc/cron.d/evil", [1]); break;
                        case "absolute": Add("/etc/passwd", [1]); break;
                        case "duplicate": Add("manifest.json", [1]); Add("manifest.json", [2]); break;
                        case "bomb": Add("manifest.json", new byte[64 * 1024 * 1024]); break;
                        case "too-many": for (var i = 0; i < 10_001; i++) { Add($"f{i}", []); } break;
                        case "bad-manifest": Add("manifest.json", "{\"format\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"u8.ToArray()); break;
                        case "no-manifest": Add("record.json", [1]); break;
                    }
                }

                break;
        }

        var result = ReviewBundleVerifier.Verify(path);

        Assert.False(result.Ok);
        Assert.True(result.Unreadable);
        Assert.StartsWith("not a valid review bundle: ", Assert.Single(result.Problems), StringComparison.Ordinal);
        Assert.Contains(expected, result.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZipBombWithALyingHeader_StopsAtTheLimit()
    {
        using var dir = new TempDir();
        var path = dir.File("liar.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var stream = zip.CreateEntry("manifest.json", CompressionLevel.SmallestSize).Open();
            stream.Write(new byte[64 * 1024 * 1024]);
        }

        // Claim 100 bytes in both the local header and the central directory.
        var bytes = await File.ReadAllBytesAsync(path);
        for (var i = 0; i + 30 < bytes.Length; i++)
        {
            if (bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x03 && bytes[i + 3] == 0x04)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(i + 22, 4), 100u);
            }

            if (bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x01 && bytes[i + 3] == 0x02)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(i + 24, 4), 100u);
            }
        }

        await File.WriteAllBytesAsync(path, bytes);

        var result = ReviewBundleVerifier.Verify(path);

        Assert.True(result.Unreadable);
        Assert.StartsWith("not a valid review bundle: manifest.json", Assert.Single(result.Problems), StringComparison.Ordinal);
    }

    private static string ReadText(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    private static byte[] EditJson(byte[] json, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(json)!;
        edit(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    /// <summary>Replaces one file of a bundle, optionally updating its SHA-256 and size in the manifest as a careful forger would.</summary>
    internal static void Tamper(string bundle, string path, Func<byte[], byte[]> change, bool manifestUpdated, (string Path, byte[] Content)? add = null)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var zip = ZipFile.OpenRead(bundle))
        {
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                files[entry.FullName] = buffer.ToArray();
            }
        }

        files[path] = change(files[path]);
        if (add is { } extra)
        {
            files[extra.Path] = extra.Content;
        }

        if (manifestUpdated)
        {
            var manifest = JsonNode.Parse(files["manifest.json"])!;
            foreach (var file in manifest["files"]!.AsArray())
            {
                if ((string?)file!["path"] == path)
                {
                    file["sha256"] = Fixtures.Sha(files[path]);
                    file["size_bytes"] = files[path].Length;
                }
            }

            files["manifest.json"] = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        }

        File.Delete(bundle);
        using var output = ZipFile.Open(bundle, ZipArchiveMode.Create);
        foreach (var (name, content) in files)
        {
            using var stream = output.CreateEntry(name).Open();
            stream.Write(content);
        }
    }
}
