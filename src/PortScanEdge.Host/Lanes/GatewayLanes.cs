using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Detection;
using PortScanEdge.Detection.Inference;
using PortScanEdge.Devices.Gpio;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.PlateReaders;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Serial;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Messaging.Commands;
using PortScanEdge.Simulation.Emulators;
using PortScanEdge.Simulation.Traffic;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// Builds and runs every lane of the gateway from the config: device drivers (with emulators on pseudo-terminals
/// and simulated GPIO when <c>simulation.enabled</c>), the shared detector, the lane runtimes, the hotlist, the
/// simulated traffic and operator, and a periodic summary on the terminal.
/// </summary>
public sealed partial class GatewayLanes(
    IOptions<PortScanEdgeOptions> options,
    LaneHub hub,
    LaneRegistry registry,
    DeviceHealthMonitor health,
    TimeProvider time,
    ILoggerFactory loggers,
    WorkingCopies workingCopies,
    ICommandTargetRegistry? commands = null,
    IAuditLog? audit = null) : BackgroundService
{
    /// <summary>How often the terminal summary is written.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(15);

    /// <summary>Scans that may wait for the shared detector before hand-offs wait.</summary>
    public const int DetectorQueueCapacity = 4;

    private readonly ILogger _logger = loggers.CreateLogger<GatewayLanes>();
    private readonly Stack<IAsyncDisposable> _disposables = new();
    private readonly List<Task> _tasks = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// Starts every lane (devices, detector, lane runtimes, simulation) before the host counts the gateway as
    /// started, so a stop requested during the start (<c>GatewayLifetime</c> holds it until then) finds the lanes
    /// running and stops them gracefully; a start that fails releases what it had started and fails the host's.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await StartLanesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await StopLanesAsync().ConfigureAwait(false);
            throw;
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopLanesAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }

    private async Task StartLanesAsync(CancellationToken cancellationToken)
    {
        var config = options.Value;
        var dataDirectory = config.ResolvePath(config.Gateway.DataDir);
        Directory.CreateDirectory(dataDirectory);
        var hotlist = new HotlistSource(
            config.LaneControl.HotlistFile.Length > 0 ? config.ResolvePath(config.LaneControl.HotlistFile) : null,
            time,
            loggers.CreateLogger<HotlistSource>());
        hotlist.Refresh();
        _tasks.Add(hotlist.WatchAsync(_stopping.Token));

        var modelPath = config.Detection.Model.Length > 0 ? config.ResolvePath(config.Detection.Model) : ModelLocator.FindDefault();
        if (modelPath is null)
        {
            throw new InvalidOperationException($"no model: detection.model is empty and neither {ModelLocator.ShippedModel} nor {ModelLocator.TestModel} was found");
        }

        var detector = RadiographDetector.Create(modelPath, config.Detection, loggers.CreateLogger<RadiographDetector>());
        var shared = new SharedDetector(detector, DetectorQueueCapacity, config.Detection.MaxConcurrentAnalyses);
        _disposables.Push(new AsyncDisposer(async () =>
        {
            await shared.DisposeAsync().ConfigureAwait(false);
            detector.Dispose();
        }));
        var overlayPainter = new OverlayPainter(config.Detection);
        _disposables.Push(new AsyncDisposer(() =>
        {
            overlayPainter.Dispose();
            return ValueTask.CompletedTask;
        }));
        LogModel(_logger, detector.Model.Name, detector.Model.Version, detector.Model.Sha256[..12], modelPath);
        if (audit is not null)
        {
            await audit.AppendModelLoadAsync(
                new Core.Transactions.ModelIdentity(detector.Model.Name, detector.Model.Version, detector.Model.Sha256), modelPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        SyntheticScanImageSource? images = null;
        EmulatorSet? emulators = null;
        if (config.Simulation.Enabled)
        {
            var replay = ScanReplayLoader.Load(config);
            if (replay is not null)
            {
                var replayDirectory = config.ResolvePath(config.Simulation.Images);
                LogReplay(_logger, replay.Count, replay.AnomalousCount, replayDirectory);
            }

            images = new SyntheticScanImageSource(replay);
            emulators = EmulatorSet.StartFor(config, Path.Combine(dataDirectory, "emulators"), images: images);
            _disposables.Push(emulators);
            foreach (var endpoint in emulators.Endpoints)
            {
                LogEmulator(_logger, endpoint.Kind, endpoint.DeviceId, endpoint.DevicePath);
            }
        }

        var transports = new SerialPortTransportFactory();
        var laneIndex = 0;
        foreach (var lane in config.Lanes)
        {
            var runtime = StartLane(config, lane, dataDirectory, transports, emulators, images, hotlist, shared, overlayPainter, _disposables, _tasks, laneIndex++, _stopping.Token);
            registry.Add(runtime);
            if (commands is not null)
            {
                var registration = commands.Register(new LaneCommandTarget(runtime, hub, shared, time));
                _disposables.Push(new AsyncDisposer(() =>
                {
                    registration.Dispose();
                    return ValueTask.CompletedTask;
                }));
            }

            _tasks.Add(runtime.RunAsync(_stopping.Token));
        }

        if (config.Simulation.Enabled)
        {
            _tasks.Add(SimulatedOperatorAsync(config.Simulation.OperatorDecisionDelay, _stopping.Token));
        }

        _tasks.Add(SummaryAsync(_stopping.Token));
        registry.MarkReady();
        LogRunning(_logger, config.Lanes.Count, config.Simulation.Enabled ? " (simulated)" : string.Empty);
    }

    /// <summary>Stops the lanes' tasks and releases everything the start built, newest first.</summary>
    private async Task StopLanesAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogStopFailure(_logger, ex);
        }

        while (_disposables.Count > 0)
        {
            await _disposables.Pop().DisposeAsync().ConfigureAwait(false);
        }

        registry.Clear();
        hub.Complete();
    }

    private LaneRuntime StartLane(
        PortScanEdgeOptions config,
        LaneOptions lane,
        string dataDirectory,
        ISerialTransportFactory transports,
        EmulatorSet? emulators,
        SyntheticScanImageSource? images,
        HotlistSource hotlist,
        SharedDetector shared,
        OverlayPainter overlayPainter,
        Stack<IAsyncDisposable> disposables,
        List<Task> tasks,
        int laneIndex,
        CancellationToken cancellationToken)
    {
        var scannerOptions = config.Devices.Scanners.Single(s => s.Id == lane.Devices.Scanner);
        var scanner = new ScannerDriver(
            WithPort(scannerOptions, emulators),
            transports,
            new ImageHandover(config.ResolvePath(scannerOptions.SpoolDir), workingCopies.ImagesDirectory, scannerOptions.ImageWaitTimeout, time),
            time,
            loggers.CreateLogger<ScannerDriver>());
        disposables.Push(scanner);
        health.Watch(scanner);
        scanner.Start();

        var readers = new List<IPlateReader>();
        var readerEmulators = new List<(PlateReaderEmulator, PlateReaderPosition)>();
        foreach (var readerId in lane.Devices.PlateReaders)
        {
            var readerOptions = config.Devices.PlateReaders.Single(r => r.Id == readerId);
            var reader = new PlateReaderDriver(WithPort(readerOptions, emulators), transports, time, loggers.CreateLogger<PlateReaderDriver>());
            disposables.Push(reader);
            health.Watch(reader);
            reader.Start();
            readers.Add(reader);
            if (emulators?.PlateReaders.TryGetValue(readerId, out var emulator) == true)
            {
                readerEmulators.Add((emulator, readerOptions.Position));
            }
        }

        var gpioOptions = config.Devices.Gpio.Single(g => g.Id == lane.Devices.Io);
        LaneIo io;
        SimulatedGpioDriver? simulatedGpio = null;
        if (gpioOptions.Driver == GpioDriverKind.Simulated)
        {
            simulatedGpio = new SimulatedGpioDriver();
            if (config.Simulation.Enabled)
            {
                // The simulated lane starts as a real one would: loops free, e-stop released, interlock closed.
                LaneTraffic.SetIdleInputs(simulatedGpio, gpioOptions.Pins);
            }

            io = new LaneIo(gpioOptions, new GpioController(simulatedGpio), shouldDispose: true, time, loggers.CreateLogger<LaneIo>());
        }
        else
        {
            io = LaneIo.Create(gpioOptions, time, loggers.CreateLogger<LaneIo>(), out _);
        }

        disposables.Push(new AsyncDisposer(() =>
        {
            io.Dispose();
            return ValueTask.CompletedTask;
        }));
        health.Watch(io);

        var context = new LaneContext(
            config.Site.Id,
            config.Gateway.Id,
            lane.Id,
            lane.Direction,
            lane.Devices.PlateReaders,
            HasRadiationMonitor: gpioOptions.Pins.RadiationAlarm is not null,
            HasExitLoop: gpioOptions.Pins.ExitLoop is not null,
            config.LaneControl);
        var runtime = new LaneRuntime(
            context,
            scanner,
            readers,
            io,
            shared,
            hub,
            () => hotlist.Current,
            workingCopies.OverlaysDirectory,
            overlayPainter,
            time,
            loggers.CreateLogger($"PortScanEdge.Lane.{lane.Id}"));

        if (config.Simulation.Enabled && simulatedGpio is not null && images is not null)
        {
            var traffic = new LaneTraffic(
                lane,
                gpioOptions.Pins,
                simulatedGpio,
                readerEmulators,
                scannerOptions.Id,
                emulators?.Scanners.GetValueOrDefault(scannerOptions.Id),
                images,
                config.Simulation,
                hotlist.Current.Entries,
                time,
                config.Simulation.Seed * 7919 + laneIndex);
            tasks.Add(traffic.RunAsync(cancellationToken));
        }

        var readerList = string.Join(", ", lane.Devices.PlateReaders);
        LogLane(_logger, lane.Id, scannerOptions.Id, readerList, gpioOptions.Id);
        return runtime;
    }

    // Emulated devices keep every configured setting; only the path becomes the emulator's pseudo-terminal.
    private static ScannerOptions WithPort(ScannerOptions options, EmulatorSet? emulators) =>
        options.Serial.Port != SerialOptions.EmulatorPort || emulators is null
            ? options
            : options.WithSerial(options.Serial.WithPort(EmulatorPath(options.Id, emulators)));

    private static PlateReaderOptions WithPort(PlateReaderOptions options, EmulatorSet? emulators) =>
        options.Serial.Port != SerialOptions.EmulatorPort || emulators is null
            ? options
            : options.WithSerial(options.Serial.WithPort(EmulatorPath(options.Id, emulators)));

    private static string EmulatorPath(string deviceId, EmulatorSet emulators) =>
        emulators.Endpoints.Single(e => e.DeviceId == deviceId).DevicePath;

    /// <summary>
    /// Stands in for the operator in the demo: a vehicle still awaiting a decision after <paramref name="delay"/>
    /// is referred by "sim-operator", so the simulated lane keeps moving when nobody is at the console.
    /// </summary>
    private async Task SimulatedOperatorAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var alerts = hub.Subscribe();
        await foreach (var notification in alerts.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (notification is not AlertNotification alert || delay <= TimeSpan.Zero)
            {
                continue;
            }

            _ = Task.Run(
                async () =>
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                    var current = hub.CurrentOf(alert.LaneId);
                    if (current?.Id == alert.Transaction.Id && current.Stage == TransactionStage.AwaitingDecision)
                    {
                        var at = time.GetUtcNow();
                        registry.Find(alert.LaneId)?.Post(new OperatorDecided(at, current.Id,
                            new DecisionRecord(DecisionAction.Refer, "sim-operator", at, "simulated operator: referred for secondary inspection", false, null)));
                    }
                },
                cancellationToken);
        }
    }

    private async Task SummaryAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SummaryInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var lane in registry.Lanes)
            {
                var s = lane.Statistics;
                var (p50, p99, infer, samples) = s.Latencies();
                LogSummary(_logger, lane.LaneId, hub.StateOf(lane.LaneId)?.State ?? LaneState.Idle, s.Vehicles, s.Released, s.Referred, s.Failed, s.Alerts, p50, p99, infer, samples);
            }

            foreach (var device in health.Snapshot())
            {
                if (!device.IsUsable)
                {
                    LogUnhealthy(_logger, device.ToString());
                }
            }
        }
    }

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Lane {Lane} running: scanner {Scanner}, plate readers {Readers}, I/O {Io}")]
    private static partial void LogLane(ILogger logger, string lane, string scanner, string readers, string io);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "{Count} lane(s) running{Simulated}; Ctrl+C or SIGTERM stops the gateway")]
    private static partial void LogRunning(ILogger logger, int count, string simulated);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Information, Message = "Model {Name} {Version} (sha256 {Sha}…) from {Path}")]
    private static partial void LogModel(ILogger logger, string name, string version, string sha, string path);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Information, Message = "Emulated {Kind} {Device} on {Path}")]
    private static partial void LogEmulator(ILogger logger, string kind, string device, string path);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Information, Message = "Summary {Lane} [{State}]: {Vehicles} vehicles, {Released} released, {Referred} referred, {Failed} failed steps, {Alerts} alerts; analysis p50 {AnalysisP50:0} ms p99 {AnalysisP99:0} ms, inference p50 {InferP50:0} ms (n={Samples})")]
    private static partial void LogSummary(ILogger logger, string lane, LaneState state, long vehicles, long released, long referred, long failed, long alerts, double analysisP50, double analysisP99, double inferP50, int samples);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Warning, Message = "Device unhealthy: {Device}")]
    private static partial void LogUnhealthy(ILogger logger, string device);

    [LoggerMessage(EventId = 1116, Level = LogLevel.Error, Message = "A lane task failed while stopping")]
    private static partial void LogStopFailure(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1117, Level = LogLevel.Information, Message = "Simulated scanners replay {Count} radiographs ({Anomalous} labelled anomalous) from {Path}")]
    private static partial void LogReplay(ILogger logger, int count, int anomalous, string path);

    private sealed class AsyncDisposer(Func<ValueTask> dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => dispose();
    }
}
