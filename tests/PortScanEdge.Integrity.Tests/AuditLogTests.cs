using System.Text;
using System.Text.Json;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Tests;

public class AuditLogTests
{
    [Fact]
    public async Task Append_WritesChainedSignedJsonLines()
    {
        using var dir = new TempDir();
        using (var log = Fixtures.OpenLog(dir))
        {
            var first = await log.AppendAsync(AuditKind.GatewayStart, new { version = "t" });
            var second = await log.AppendDeviceFaultAsync("scanner-1", "lane-1", "timeout", "no answer in 2 s");

            Assert.Equal(1, first.Seq);
            Assert.Equal(AuditEntryFormat.GenesisHash, first.Prev);
            Assert.Equal(2, second.Seq);
            Assert.Equal(first.Hash, second.Prev);
            Assert.Equal(new AuditHead(2, second.Hash, second.Timestamp), log.Head);
        }

        var lines = File.ReadAllLines(dir.File("audit/audit.log"));
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[1]);
        Assert.Equal("device_fault", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("2026-11-29T12:00:00.000Z", doc.RootElement.GetProperty("ts").GetString());
        using var payload = JsonDocument.Parse(doc.RootElement.GetProperty("payload").GetString()!);
        Assert.Equal("scanner-1", payload.RootElement.GetProperty("device_id").GetString());

        // The documented recipe: hash = SHA-256 of the pre-image; signature verifies with the exported public key.
        Assert.True(AuditEntryFormat.TryParse(Encoding.UTF8.GetBytes(lines[1]), out var entry, out var error), error);
        Assert.True(entry!.IsSelfConsistent(out var problem), problem);
        using var key = AuditPublicKey.FromFile(dir.File("audit/gateway-key.pub.pem"));
        Assert.True(key.Verify(entry.Preimage(), entry.Signature));
    }

    [Fact]
    public async Task Key_IsCreatedOnFirstStartWith0600AndReusedAfterwards()
    {
        using var dir = new TempDir();
        string fingerprint;
        using (var log = Fixtures.OpenLog(dir))
        {
            await log.OpenAsync();
            fingerprint = log.PublicKey.Fingerprint;
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("audit/gateway-key.pem")));
        using var again = Fixtures.OpenLog(dir);
        Assert.Equal(fingerprint, again.PublicKey.Fingerprint);
    }

    [Fact]
    public void Key_ReadableByOthers_IsRefused()
    {
        using var dir = new TempDir();
        using (AuditSigningKey.LoadOrCreate(dir.File("k.pem"), null))
        {
        }

        File.SetUnixFileMode(dir.File("k.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var ex = Assert.Throws<AuditKeyException>(() => AuditSigningKey.Load(dir.File("k.pem"), null));
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_WithPassphrase_IsEncryptedAndNeedsIt()
    {
        using var dir = new TempDir();
        string fingerprint;
        using (var created = AuditSigningKey.LoadOrCreate(dir.File("k.pem"), "correct horse"))
        {
            fingerprint = created.PublicKey.Fingerprint;
        }

        Assert.Contains("ENCRYPTED PRIVATE KEY", File.ReadAllText(dir.File("k.pem")), StringComparison.Ordinal);
        using (var loaded = AuditSigningKey.Load(dir.File("k.pem"), "correct horse"))
        {
            Assert.Equal(fingerprint, loaded.PublicKey.Fingerprint);
        }

        Assert.Contains("key_passphrase is not set", Assert.Throws<AuditKeyException>(() => AuditSigningKey.Load(dir.File("k.pem"), null)).Message, StringComparison.Ordinal);
        Assert.Contains("wrong passphrase", Assert.Throws<AuditKeyException>(() => AuditSigningKey.Load(dir.File("k.pem"), "wrong")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentAppends_AreAllWrittenInOneUnbrokenChain()
    {
        using var dir = new TempDir();
        using (var log = Fixtures.OpenLog(dir))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; i < 25; i++)
                {
                    await log.AppendAsync(AuditKind.Command, new { worker, i });
                }
            })));
            Assert.Equal(200, log.Head.Seq);
        }

        Assert.Equal(200, Chain.Check(dir.File("audit/audit.log")));
    }

    [Fact]
    public async Task Reopen_ContinuesTheChain()
    {
        using var dir = new TempDir();
        await Fixtures.WriteLogAsync(dir, 3);
        using (var log = Fixtures.OpenLog(dir))
        {
            var entry = await log.AppendAsync(AuditKind.GatewayStop, new { reason = "test" });
            Assert.Equal(4, entry.Seq);
            Assert.Null(log.Recovery!.Recovered ? "recovered" : null);
        }

        Assert.Equal(4, Chain.Check(dir.File("audit/audit.log")));
    }

    [Theory]
    [InlineData("partial")]
    [InlineData("zeros")]
    [InlineData("first-line-partial")]
    public async Task TornTail_IsTruncatedAndRecordedAsRecovered(string how)
    {
        using var dir = new TempDir();
        var path = dir.File("audit/audit.log");
        await Fixtures.WriteLogAsync(dir, how == "first-line-partial" ? 1 : 3);
        var original = await File.ReadAllBytesAsync(path);
        var lastLineStart = Array.LastIndexOf(original, (byte)'\n', original.Length - 2) + 1;
        byte[] damaged = how switch
        {
            "partial" => [.. original, .. Encoding.UTF8.GetBytes("{\"seq\":4,\"ts\":\"2026-11-29T12:00:")],
            "zeros" => [.. original, .. new byte[700]],
            _ => original[..(original.Length / 2)],
        };
        await File.WriteAllBytesAsync(path, damaged);

        using (var log = Fixtures.OpenLog(dir))
        {
            await log.OpenAsync();
            var recovery = log.Recovery!;
            Assert.True(recovery.Recovered);
            var expectedValid = how == "first-line-partial" ? 0 : 3;
            Assert.Equal(expectedValid, recovery.LastValid.Seq);
            Assert.Equal(expectedValid + 1, log.Head.Seq);
            Assert.True(File.Exists(recovery.SavedTo));
            Assert.Equal(damaged.Length - (how == "first-line-partial" ? 0 : original.Length), recovery.TruncatedBytes);
        }

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Contains("\"kind\":\"recovered\"", lines[^1], StringComparison.Ordinal);
        Assert.Contains("torn_tail", lines[^1], StringComparison.Ordinal);
        Assert.Equal(lines.Length, Chain.Check(path));
        _ = lastLineStart;
    }

    [Fact]
    public async Task DamagedLastEntry_IsNotTreatedAsTornAndStopsTheStart()
    {
        using var dir = new TempDir();
        var path = dir.File("audit/audit.log");
        await Fixtures.WriteLogAsync(dir, 3);
        var text = await File.ReadAllTextAsync(path);
        await File.WriteAllTextAsync(path, text.Replace("fault 3", "fault X", StringComparison.Ordinal));
        var before = await File.ReadAllBytesAsync(path);

        using var log = Fixtures.OpenLog(dir);
        var ex = await Assert.ThrowsAsync<AuditLogException>(() => log.OpenAsync());

        Assert.Contains("not merely torn", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task ReplacedKey_StopsTheStart()
    {
        using var dir = new TempDir();
        await Fixtures.WriteLogAsync(dir, 2);
        File.Delete(dir.File("audit/gateway-key.pem"));

        using var log = Fixtures.OpenLog(dir);
        var ex = await Assert.ThrowsAsync<AuditLogException>(() => log.OpenAsync());

        Assert.Contains("not signed by the audit key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondWriter_IsRefused()
    {
        using var dir = new TempDir();
        using var first = Fixtures.OpenLog(dir);
        await first.OpenAsync();

        using var second = Fixtures.OpenLog(dir);
        var ex = await Assert.ThrowsAsync<AuditLogException>(() => second.OpenAsync());
        Assert.Contains("another process", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payload_MustBeABoundedObject()
    {
        using var dir = new TempDir();
        using var log = Fixtures.OpenLog(dir);

        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(AuditKind.Command, "just a string"));
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(AuditKind.Command, new { blob = new string('x', AuditEntryFormat.MaxPayloadBytes) }));
        Assert.Equal(0, log.Head.Seq);
    }

    [Fact]
    public async Task Helpers_WriteTheDocumentedPayloads()
    {
        using var dir = new TempDir();
        using var log = Fixtures.OpenLog(dir);
        var transaction = Fixtures.Transaction(Fixtures.Start) with
        {
            Decision = new DecisionRecord(DecisionAction.Release, "op-7", Fixtures.Start, "known shipper, paperwork checked", true, "sup-2"),
        };

        var tx = await log.AppendTransactionAsync(transaction, new string('b', 64), [new EvidenceDigest("heatmap.png", new string('c', 64), 10)]);
        var decision = await log.AppendDecisionAsync(transaction, transaction.Decision!);
        var model = await log.AppendModelLoadAsync(new ModelIdentity("m", "1.0", new string('d', 64)), "/models/m.onnx");
        var command = await log.AppendCommandAsync(new CommandAuditPayload("close_lane", "mqtt", "control-room", "m-1", "lane-1", null, null, "done", ""));
        var config = await log.AppendConfigChangeAsync("/etc/site.yaml", new string('e', 64), new string('f', 64),
            [new ConfigChangeItem("detection.threshold", "0.5", "0.6")]);

        using var txPayload = tx.PayloadDocument()!;
        Assert.Equal(transaction.Id, txPayload.RootElement.GetProperty("transaction_id").GetString());
        Assert.Equal(0.87, txPayload.RootElement.GetProperty("score").GetDouble());
        Assert.Equal("alert", txPayload.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(new string('a', 64), txPayload.RootElement.GetProperty("model").GetProperty("sha256").GetString());
        Assert.Equal(transaction.Scan!.Images[0].Sha256, txPayload.RootElement.GetProperty("images")[0].GetProperty("sha256").GetString());
        Assert.Equal(AuditKind.Override, decision.Kind);
        Assert.Equal("known shipper, paperwork checked", decision.PayloadString("reason"));
        Assert.Equal("sup-2", decision.PayloadString("supervisor"));
        Assert.Equal(AuditKind.ModelLoad, model.Kind);
        Assert.Equal("done", command.PayloadString("outcome"));
        Assert.Equal("1 setting changed: detection.threshold", config.PayloadString("summary"));
    }

    [Fact]
    public void ConfigSnapshot_DiffNamesChangedKeysAndNeverSecrets()
    {
        var before = new PortScanEdge.Core.Configuration.PortScanEdgeOptions();
        var after = new PortScanEdge.Core.Configuration.PortScanEdgeOptions();
        after.Detection.Threshold = 0.6;
        Assert.True(PortScanEdge.Core.Configuration.SecretReference.TryParse("${MQTT_PASSWORD}", out var secret, out _));
        after.Mqtt.Password = secret;

        var changes = ConfigSnapshot.Diff(ConfigSnapshot.Flatten(before), ConfigSnapshot.Flatten(after));

        Assert.Contains(changes, c => c.Key == "detection.threshold");
        Assert.Contains(changes, c => c.Key == "mqtt.password" && c.To == "${MQTT_PASSWORD}");
        Assert.DoesNotContain(changes, c => c.Key.Contains("config_directory", StringComparison.Ordinal));
    }
}
