using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Core.Tests.Transactions;

public class TransactionTests
{
    [Fact]
    public void Ulid_New_IsValidAndSortsByTime()
    {
        var earlier = Ulid.New(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var later = Ulid.New(new DateTimeOffset(2026, 11, 29, 12, 0, 0, 1, TimeSpan.Zero));

        Assert.True(Ulid.IsValid(earlier), earlier);
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
        Assert.NotEqual(Ulid.New(DateTimeOffset.UnixEpoch), Ulid.New(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Ulid_KnownTimestamp_EncodesTheSpecExample()
    {
        // ulid/spec: 1469918176385 ms is "01ARYZ6S41" in the first ten characters.
        var id = Ulid.New(DateTimeOffset.FromUnixTimeMilliseconds(1469918176385));

        Assert.StartsWith("01ARYZ6S41", id, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("01ARYZ6S41TSV4RRFFQ69G5FAV", true)]
    [InlineData("01ARYZ6S41TSV4RRFFQ69G5FA", false)]
    [InlineData("81ARYZ6S41TSV4RRFFQ69G5FAV", false)]
    [InlineData("01ARYZ6S41TSV4RRFFQ69G5FAU", false)]
    public void Ulid_IsValid_ChecksLengthAlphabetAndRange(string text, bool expected) => Assert.Equal(expected, Ulid.IsValid(text));

    [Fact]
    public void TransactionJson_RoundTripsWithSnakeCaseAndEnumWords()
    {
        var at = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
        var transaction = new VehicleTransaction
        {
            Id = "01ARYZ6S41TSV4RRFFQ69G5FAV",
            SiteId = "demo-port",
            GatewayId = "gw-1",
            LaneId = "lane-1",
            Direction = LaneDirection.Northbound,
            Stage = TransactionStage.AwaitingDecision,
            Timestamps = new TransactionTimestamps { ArrivedAt = at },
            PlateReads = [new PlateReadRecord("plate-1", PlateReaderPosition.Rear, at, [new PlateCandidateRecord("MSCU1234565", 0.9, true, true)])],
            Analysis = new AnalysisRecord(0.8, 0.5, Verdict.Alert, [new RegionRecord(1, 2, 3, 4, 0.9, 12)], new ModelIdentity("m", "1", "ab"),
                new Dictionary<string, double> { ["infer"] = 12.5 }),
            ReferralReasons = [ReferralReason.AnomalyAlert],
        };

        var json = TransactionJson.Serialize(transaction);
        var back = TransactionJson.Deserialize<VehicleTransaction>(json)!;

        Assert.Contains("\"lane_id\":\"lane-1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"stage\":\"awaiting_decision\"", json, StringComparison.Ordinal);
        Assert.Contains("\"referral_reasons\":[\"anomaly_alert\"]", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"decision\"", json, StringComparison.Ordinal);
        Assert.Equal(TransactionStage.AwaitingDecision, back.Stage);
        Assert.Equal(0.8, back.Analysis!.Score);
        Assert.Equal("MSCU1234565", back.PlateReads[0].Candidates[0].Text);
    }
}
