using System.CommandLine;
using System.Globalization;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Integrity.Bundles;
using PortScanEdge.Integrity.Hosting;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge export</c>: writes a review bundle for one transaction, or a lane's transactions in a time range.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var transaction = new Option<string[]>("--transaction")
        {
            Description = "Transaction id (ULID) to export; repeatable.",
            HelpName = "ID",
        };
        var lane = new Option<string?>("--lane") { Description = "Export this lane's transactions (with --from/--to).", HelpName = "ID" };
        var from = new Option<string?>("--from") { Description = "Start of the time range (arrival), ISO 8601 UTC, inclusive: 2026-11-29T08:00:00Z or 2026-11-29.", HelpName = "TIME" };
        var to = new Option<string?>("--to") { Description = "End of the time range (arrival), ISO 8601 UTC, exclusive.", HelpName = "TIME" };
        var output = new Option<string>("--out") { Description = "The bundle to write (.zip).", Required = true, HelpName = "FILE.zip" };
        var command = new Command(
            "export",
            "Write a review bundle (docs/review-bundle.md): records, images, heat maps, the audit entries covering them, the proof " +
            "linking them to a signed checkpoint, and the public key — everything another agency needs to verify the case offline. " +
            "Exit 0 when written; 1 when it cannot be (not archived, no checkpoint yet, evidence not matching the audit log); 2 on usage or config errors.\n\n" +
            "Example:\n  portscan-edge export --config /etc/portscan-edge/site.yaml --transaction 01JDX3Q0R4W5E8T6Y7U8I9O0P1 --out case-0412.zip\n" +
            "  portscan-edge export --config /etc/portscan-edge/site.yaml --lane lane-2 --from 2026-11-29T08:00:00Z --to 2026-11-29T09:00:00Z --out lane-2-0800.zip")
        {
            config,
            transaction,
            lane,
            from,
            to,
            output,
        };
        command.SetAction(parseResult =>
        {
            var ids = parseResult.GetValue(transaction) ?? [];
            var laneId = parseResult.GetValue(lane);
            var fromText = parseResult.GetValue(from);
            var toText = parseResult.GetValue(to);
            if (ids.Length == 0 && laneId is null && fromText is null && toText is null)
            {
                Console.Error.WriteLine("error: say what to export: --transaction ID, or --lane ID and/or --from/--to");
                return ExitCodes.UsageOrConfig;
            }

            if (ids.Length > 0 && (laneId is not null || fromText is not null || toText is not null))
            {
                Console.Error.WriteLine("error: --transaction cannot be combined with --lane, --from or --to");
                return ExitCodes.UsageOrConfig;
            }

            DateTimeOffset? start = null, end = null;
            if ((fromText is not null && !TryParseTime(fromText, out start)) || (toText is not null && !TryParseTime(toText, out end)))
            {
                Console.Error.WriteLine("error: --from and --to take ISO 8601 UTC times, e.g. 2026-11-29T08:00:00Z or 2026-11-29");
                return ExitCodes.UsageOrConfig;
            }

            var loaded = ConfigLoader.LoadFile(parseResult.GetRequiredValue(config));
            if (!loaded.IsValid)
            {
                ConfigOption.WriteProblems(loaded);
                return ExitCodes.UsageOrConfig;
            }

            var options = loaded.Options!;
            var archive = new TransactionArchive(options.ResolveDataPath(options.Audit.ArchiveDir));
            IReadOnlyList<ArchivedTransaction> selected;
            if (ids.Length > 0)
            {
                var found = new List<ArchivedTransaction>();
                foreach (var id in ids.Distinct(StringComparer.Ordinal))
                {
                    if (archive.Find(id) is not { } archived)
                    {
                        var pruned = ArchiveRetention.FindPruning(options.ResolveDataPath(options.Audit.Path), id);
                        Console.Error.WriteLine(pruned is null
                            ? $"error: transaction {id} is not in the evidence archive {archive.Root}"
                            : $"error: transaction {id} was deleted from the evidence archive by the retention policy ({pruned.Reason}) at {pruned.Timestamp}, audit entry {pruned.Seq}");
                        return ExitCodes.Failure;
                    }

                    found.Add(archived);
                }

                selected = found;
            }
            else
            {
                selected = archive.Query(laneId, start, end, BundleFormat.MaxTransactions + 1);
                if (selected.Count == 0)
                {
                    Console.Error.WriteLine($"error: no archived transaction matches (lane {laneId ?? "any"}, from {fromText ?? "the start"}, to {toText ?? "now"})");
                    return ExitCodes.Failure;
                }
            }

            try
            {
                var settings = AuditServiceCollectionExtensions.CreateSettings(options);
                using var key = LoadPublicKey(settings);
                var result = ReviewBundleWriter.Write(new BundleExportRequest
                {
                    Transactions = selected,
                    LogPath = settings.LogPath,
                    CheckpointFile = options.ResolveDataPath(options.Audit.CheckpointFile),
                    PublicKey = key,
                    SiteId = options.Site.Id,
                    GatewayId = options.Gateway.Id,
                    OutPath = parseResult.GetRequiredValue(output),
                });
                Console.Out.WriteLine(
                    $"{result.Path}: {result.Transactions} transaction{(result.Transactions == 1 ? string.Empty : "s")}, audit entries {result.FirstSeq}..{result.Checkpoint.Seq} " +
                    $"({result.ProofEntries} in the proof), {result.Checkpoint}, key {key.Fingerprint}");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is BundleExportException or AuditKeyException or FormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine("error: " + ex.Message);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static AuditPublicKey LoadPublicKey(AuditLogSettings settings)
    {
        var publicPath = AuditSigningKey.PublicKeyPath(settings.KeyPath);
        if (File.Exists(publicPath))
        {
            return AuditPublicKey.FromFile(publicPath);
        }

        using var key = AuditSigningKey.Load(settings.KeyPath, settings.KeyPassphrase);
        return AuditPublicKey.FromPem(key.PublicKey.Pem);
    }

    private static bool TryParseTime(string text, out DateTimeOffset? value)
    {
        value = null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}
