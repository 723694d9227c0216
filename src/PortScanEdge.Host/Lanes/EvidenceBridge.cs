using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
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
    DeviceHealthMonitor health,
    WorkingCopies workingCopies,
    IOptions<PortScanEdgeOptions> options,
    ILogger<EvidenceBridge> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var config = options.Value;
        var notifications = hub.Subscribe();
        ReleaseLeftovers();
        health.Changed += (_, device) =>
        {
            if (device.State is DeviceHealthState.Faulted or DeviceHealthState.Reconnecting)
            {
                var laneId = config.Lanes.FirstOrDefault(l => l.Devices.Scanner == device.DeviceId || l.Devices.Io == device.DeviceId || l.Devices.PlateReaders.Contains(device.DeviceId))?.Id;
                _ = AuditFaultAsync(device, laneId);
            }
        };
        var decided = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var notification in notifications.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // Decisions and overrides are audited the moment they are taken, not only when the vehicle leaves.
            if (notification is TransactionNotification { Transaction.Decision: { } decision } decidedNow && decided.Add(decidedNow.Transaction.Id))
            {
                try
                {
                    await audit.AppendDecisionAsync(decidedNow.Transaction, decision, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogEvidenceFailed(logger, decidedNow.Transaction.Id, ex.Message);
                }
            }

            if (notification is not TransactionNotification { Closed: true } closed)
            {
                continue;
            }

            decided.Remove(closed.Transaction.Id);

            var transaction = closed.Transaction;
            try
            {
                var images = new List<EvidenceSource>();
                foreach (var image in transaction.Scan?.Images ?? [])
                {
                    var path = workingCopies.ImagePath(transaction.Id, image.File);
                    if (File.Exists(path))
                    {
                        images.Add(EvidenceSource.FromFile(image.File, path));
                    }
                }

                var heatMaps = new List<EvidenceSource>();
                var overlay = workingCopies.OverlayPath(transaction.Id);
                if (File.Exists(overlay))
                {
                    heatMaps.Add(EvidenceSource.FromFile(WorkingCopies.OverlayEvidenceName, overlay));
                }

                await recorder.RecordAsync(transaction, images, heatMaps, CancellationToken.None).ConfigureAwait(false);
                if (!workingCopies.Release(transaction.Id))
                {
                    LogWorkingCopiesKept(logger, transaction.Id);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogEvidenceFailed(logger, transaction.Id, ex.Message);
            }
        }

    }

    private void ReleaseLeftovers()
    {
        try
        {
            var released = workingCopies.ReleaseArchived();
            if (released > 0)
            {
                LogLeftoversReleased(logger, released);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogEvidenceFailed(logger, "(working copies at start)", ex.Message);
        }
    }

    private async Task AuditFaultAsync(DeviceHealth device, string? laneId)
    {
        try
        {
            await audit.AppendDeviceFaultAsync(device.DeviceId, laneId, device.State.ToString(), device.Reason, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogEvidenceFailed(logger, device.DeviceId, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1140, Level = LogLevel.Error, Message = "Could not archive or audit transaction {Transaction}: {Reason}")]
    private static partial void LogEvidenceFailed(ILogger logger, string transaction, string reason);

    [LoggerMessage(EventId = 1141, Level = LogLevel.Warning, Message = "Transaction {Transaction} is not in the evidence archive without problems: its working copies (images, overlay) are kept")]
    private static partial void LogWorkingCopiesKept(ILogger logger, string transaction);

    [LoggerMessage(EventId = 1142, Level = LogLevel.Information, Message = "Released the working copies of {Count} archived transaction(s) left from an earlier run")]
    private static partial void LogLeftoversReleased(ILogger logger, int count);
}
