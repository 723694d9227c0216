using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// Writes every closed transaction to the evidence archive (record, images, heat map) and the signed audit log,
/// and audits every alert. Own hub subscription, drained to its end at shutdown, like the control-room bridge.
/// </summary>
public sealed partial class EvidenceBridge(
    LaneHub hub,
    TransactionEvidenceRecorder recorder,
    IAuditLog audit,
    IOptions<PortScanEdgeOptions> options,
    ILogger<EvidenceBridge> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var config = options.Value;
        var dataDirectory = config.ResolvePath(config.Gateway.DataDir);
        var notifications = hub.Subscribe();
        await foreach (var notification in notifications.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (notification is not TransactionNotification { Closed: true } closed)
            {
                continue;
            }

            var transaction = closed.Transaction;
            try
            {
                var images = new List<EvidenceSource>();
                foreach (var image in transaction.Scan?.Images ?? [])
                {
                    var path = Path.Combine(dataDirectory, "images", transaction.Id, image.File);
                    if (File.Exists(path))
                    {
                        images.Add(EvidenceSource.FromFile(image.File, path));
                    }
                }

                var heatMaps = new List<EvidenceSource>();
                var overlay = Path.Combine(dataDirectory, "overlays", transaction.Id + ".png");
                if (File.Exists(overlay))
                {
                    heatMaps.Add(EvidenceSource.FromFile("heatmap-overlay.png", overlay));
                }

                await recorder.RecordAsync(transaction, images, heatMaps, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogEvidenceFailed(logger, transaction.Id, ex.Message);
            }
        }

        _ = audit;
    }

    [LoggerMessage(EventId = 1140, Level = LogLevel.Error, Message = "Could not archive or audit transaction {Transaction}: {Reason}")]
    private static partial void LogEvidenceFailed(ILogger logger, string transaction, string reason);
}
