using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Hosting;

/// <summary>What the host tells the audit service about itself.</summary>
/// <param name="Version">The version line (e.g. <c>portscan-edge 0.1.0 (commit …)</c>).</param>
/// <param name="ConfigPath">The configuration file the gateway runs.</param>
public sealed record AuditStartInfo(string Version, string ConfigPath);

/// <summary>
/// Opens the audit log at start (repairing a torn tail), writes <c>gateway_start</c> (and <c>config_change</c>
/// when the config file differs from the last start's), checkpoints at start, at the configured interval while
/// the head moves, and after <c>gateway_stop</c> on shutdown. Registered before the lane services, so it starts
/// before and stops after them.
/// </summary>
internal sealed partial class AuditHostedService(
    IAuditLog log,
    AuditCheckpointer checkpointer,
    AuditStartInfo startInfo,
    IOptions<PortScanEdgeOptions> options,
    TimeProvider timeProvider,
    ILogger<AuditHostedService> logger) : BackgroundService
{
    private DateTimeOffset _startedAt;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        _startedAt = timeProvider.GetUtcNow();
        await log.OpenAsync(cancellationToken).ConfigureAwait(false);
        var key = log.PublicKey;
        var logPath = value.ResolveDataPath(value.Audit.Path);
        Log.AuditOpened(logger, logPath, log.Head.Seq, key.Fingerprint);

        var (configSha, snapshot) = ReadConfig(value);
        await log.AppendAsync(AuditKind.GatewayStart, new GatewayStartAuditPayload(
            startInfo.Version, value.Site.Id, value.Gateway.Id, startInfo.ConfigPath, configSha, key.Fingerprint,
            log is AuditLog { KeyCreated: true },
            key.Pem, Environment.MachineName, Environment.ProcessId, value.Lanes.Select(l => l.Id).ToArray()), cancellationToken).ConfigureAwait(false);
        await RecordConfigChangeAsync(value, configSha, snapshot, cancellationToken).ConfigureAwait(false);
        await checkpointer.CheckpointAsync(force: true, cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var uptime = (timeProvider.GetUtcNow() - _startedAt).TotalSeconds;
            await log.AppendAsync(AuditKind.GatewayStop, new GatewayStopAuditPayload("shutdown requested", Math.Round(uptime, 3)), CancellationToken.None).ConfigureAwait(false);
            await checkpointer.CheckpointAsync(force: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditLogException or IOException or ObjectDisposedException)
        {
            Log.AuditWriteFailed(logger, "gateway_stop", ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Audit.CheckpointInterval;
        if (interval < TimeSpan.FromSeconds(1))
        {
            interval = TimeSpan.FromSeconds(1);
        }

        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await checkpointer.CheckpointAsync(force: false, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is AuditLogException or IOException or UnauthorizedAccessException)
                {
                    Log.CheckpointFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private (string Sha, SortedDictionary<string, string> Snapshot) ReadConfig(PortScanEdgeOptions value)
    {
        var snapshot = ConfigSnapshot.Flatten(value);
        try
        {
            var info = new FileInfo(startInfo.ConfigPath);
            if (info.Exists && info.Length <= ConfigStateFile.MaxConfigBytes)
            {
                return (AuditEntryFormat.Sha256Hex(File.ReadAllBytes(startInfo.ConfigPath)), snapshot);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.AuditWriteFailed(logger, "config hash", ex.Message);
        }

        return (string.Empty, snapshot);
    }

    private async Task RecordConfigChangeAsync(PortScanEdgeOptions value, string configSha, SortedDictionary<string, string> snapshot, CancellationToken cancellationToken)
    {
        if (configSha.Length == 0)
        {
            return;
        }

        var statePath = value.ResolveDataPath(Path.Combine(Path.GetDirectoryName(value.Audit.Path) ?? string.Empty, "config-state.json"));
        var previous = ConfigStateFile.Read(statePath);
        if (previous is not null && previous.ConfigSha256 != configSha)
        {
            var changes = ConfigSnapshot.Diff(previous.Settings, snapshot);
            await log.AppendConfigChangeAsync(startInfo.ConfigPath, configSha, previous.ConfigSha256, changes, cancellationToken).ConfigureAwait(false);
        }

        if (previous is null || previous.ConfigSha256 != configSha)
        {
            ConfigStateFile.Write(statePath, new ConfigStateFile(configSha, snapshot));
        }
    }
}

/// <summary>The configuration seen at the last start, to say what changed at the next.</summary>
/// <param name="ConfigSha256">SHA-256 of the config file.</param>
/// <param name="Settings">Its flattened settings.</param>
internal sealed record ConfigStateFile(string ConfigSha256, SortedDictionary<string, string> Settings)
{
    public const long MaxConfigBytes = 1024 * 1024;
    private const long MaxStateBytes = 4 * 1024 * 1024;

    public static ConfigStateFile? Read(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxStateBytes)
            {
                return null;
            }

            var state = JsonSerializer.Deserialize<ConfigStateFile>(File.ReadAllText(path), TransactionJson.Options);
            return state is { ConfigSha256: not null, Settings: not null } ? state : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public static void Write(string path, ConfigStateFile state)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, TransactionJson.Options));
        File.Move(temporary, path, overwrite: true);
    }
}
