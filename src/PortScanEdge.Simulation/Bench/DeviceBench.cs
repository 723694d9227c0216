using System.Diagnostics;
using System.Globalization;
using System.Text;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.PlateReaders;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Devices.Serial;
using PortScanEdge.Simulation.Emulators;
using PortScanEdge.Simulation.Pty;

namespace PortScanEdge.Simulation.Bench;

/// <summary>Decoder throughput, with the CRC over the same bytes as the in-run baseline.</summary>
/// <param name="Frames">Frames decoded per pass.</param>
/// <param name="Bytes">Bytes per pass.</param>
/// <param name="FramesPerSecond">Decoder throughput on clean input.</param>
/// <param name="MegabytesPerSecond">Same, in MB/s.</param>
/// <param name="GarbageFramesPerSecond">Throughput with as many garbage bytes as frame bytes, false starts included.</param>
/// <param name="CrcMegabytesPerSecond">Baseline: CRC-16 alone over the clean bytes.</param>
public sealed record DecoderBenchResult(int Frames, long Bytes, double FramesPerSecond, double MegabytesPerSecond, double GarbageFramesPerSecond, double CrcMegabytesPerSecond)
{
    /// <summary>Decoder speed as a fraction of bare CRC speed (1.0 = framing costs nothing beyond the CRC).</summary>
    public double RatioToCrc => MegabytesPerSecond / CrcMegabytesPerSecond;
}

/// <summary>Process CPU while serial ports sit idle.</summary>
/// <param name="Seconds">Length of each window.</param>
/// <param name="BaselinePercent">No port open (runtime background), % of one core.</param>
/// <param name="StreamModePercent">Three ports open, System.IO.Ports BaseStream reads pending.</param>
/// <param name="PollModePercent">Three ports open, poll(2) reader threads.</param>
/// <param name="LanePercent">A scanner driver and two plate-reader drivers connected to emulators, idle (heartbeats only), poll mode.</param>
public sealed record IdleCpuResult(double Seconds, double BaselinePercent, double StreamModePercent, double PollModePercent, double LanePercent);

/// <summary>How quickly a scanner driver notices an unplug and reconnects after the device comes back.</summary>
/// <param name="Trials">Unplug/replug cycles.</param>
/// <param name="DetectMilliseconds">Median time from unplug to the driver reporting <c>reconnecting</c>.</param>
/// <param name="ReconnectMilliseconds">Median time from the port reappearing to <c>connected</c> (handshake done).</param>
/// <param name="ReconnectMaxMilliseconds">Worst of the trials.</param>
/// <param name="DownMilliseconds">How long the device stayed unplugged.</param>
public sealed record ReconnectBenchResult(int Trials, double DetectMilliseconds, double ReconnectMilliseconds, double ReconnectMaxMilliseconds, double DownMilliseconds);

/// <summary>
/// Measurements of the device layer for <c>portscan-edge bench devices</c> (the CLI wiring lives with the bench
/// command): frame decoder throughput, idle CPU of open serial ports, reconnect time after an unplug.
/// </summary>
public static class DeviceBench
{
    /// <summary>How long the idle lane runs before its CPU is measured (tiered JIT settles in this time).</summary>
    public static readonly TimeSpan LaneWarmUp = TimeSpan.FromSeconds(10);

    /// <summary>Decodes a synthetic stream of typical frames (payloads 0-96 bytes) for about <paramref name="duration"/>.</summary>
    public static DecoderBenchResult MeasureDecoder(TimeSpan duration)
    {
        var random = new Random(42);
        var clean = new MemoryStream();
        var dirty = new MemoryStream();
        int frames = 0;
        var payload = new byte[96];
        var garbage = new byte[128];
        while (clean.Length < 1 << 20)
        {
            random.NextBytes(payload);
            byte[] frame = ScannerFrameEncoder.Encode((byte)frames, ScannerFrameType.Status, payload.AsSpan(0, random.Next(0, 97)));
            clean.Write(frame);
            random.NextBytes(garbage);
            garbage[random.Next(garbage.Length - 1)] = ScannerProtocol.StartOfFrame1;
            dirty.Write(garbage, 0, Math.Min(garbage.Length, frame.Length));
            dirty.Write(frame);
            frames++;
        }

        byte[] cleanBytes = clean.ToArray();
        byte[] dirtyBytes = dirty.ToArray();
        double passes = Time(duration, () => Decode(cleanBytes, frames));
        double dirtyPasses = Time(duration, () => Decode(dirtyBytes, frames));
        double crcPasses = Time(duration, () => Crc16CcittFalse.Compute(cleanBytes));
        return new DecoderBenchResult(
            frames, cleanBytes.Length,
            passes * frames, passes * cleanBytes.Length / 1e6,
            dirtyPasses * frames,
            crcPasses * cleanBytes.Length / 1e6);
    }

    /// <summary>Measures idle CPU: nothing open, three ports in each read mode, and an idle emulated lane.</summary>
    public static async Task<IdleCpuResult> MeasureIdleCpuAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        string directory = Path.Combine(Path.GetTempPath(), "pse-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            double baseline = await CpuPercentAsync(window, cancellationToken).ConfigureAwait(false);
            double stream = await PortsIdleAsync(SerialIoMode.Stream, window, cancellationToken).ConfigureAwait(false);
            double poll = await PortsIdleAsync(SerialIoMode.Poll, window, cancellationToken).ConfigureAwait(false);
            double lane = await LaneIdleAsync(directory, window, cancellationToken).ConfigureAwait(false);
            return new IdleCpuResult(window.TotalSeconds, baseline, stream, poll, lane);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    /// <summary>Unplugs an emulated scanner <paramref name="trials"/> times for <paramref name="down"/> each and times the driver.</summary>
    public static async Task<ReconnectBenchResult> MeasureReconnectAsync(int trials, TimeSpan down, CancellationToken cancellationToken = default)
    {
        string directory = Path.Combine(Path.GetTempPath(), "pse-bench-rc-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        var emulator = new ScannerEmulator(new ScannerEmulatorOptions { LinkPath = Path.Combine(directory, "scanner"), SpoolDirectory = Path.Combine(directory, "spool") });
        var options = new ScannerOptions { Id = "bench-scanner", Serial = new SerialOptions { Port = Path.Combine(directory, "scanner") }, SpoolDir = Path.Combine(directory, "spool") };
        var driver = new ScannerDriver(options, new SerialPortTransportFactory(), new ImageHandover(options.SpoolDir, Path.Combine(directory, "store"), options.ImageWaitTimeout, TimeProvider.System), TimeProvider.System);
        var detect = new List<double>();
        var reconnect = new List<double>();
        try
        {
            emulator.Start();
            Task connected = WaitForAsync(driver, DeviceHealthState.Connected);
            driver.Start();
            await connected.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < trials; i++)
            {
                Task lost = WaitForAsync(driver, DeviceHealthState.Reconnecting);
                Task back = WaitForAsync(driver, DeviceHealthState.Connected, includeCurrent: false);
                long unplugged = Stopwatch.GetTimestamp();
                Task replug = emulator.DisconnectAsync(down);
                await lost.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                detect.Add(Stopwatch.GetElapsedTime(unplugged).TotalMilliseconds);
                await replug.ConfigureAwait(false);
                long replugged = Stopwatch.GetTimestamp();
                await back.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
                reconnect.Add(Stopwatch.GetElapsedTime(replugged).TotalMilliseconds);
            }
        }
        finally
        {
            await driver.DisposeAsync().ConfigureAwait(false);
            await emulator.DisposeAsync().ConfigureAwait(false);
            TryDelete(directory);
        }

        return new ReconnectBenchResult(trials, Median(detect), Median(reconnect), reconnect.Count > 0 ? reconnect.Max() : 0, down.TotalMilliseconds);
    }

    /// <summary>Runs all three and formats a report (what <c>portscan-edge bench devices</c> prints).</summary>
    public static async Task<string> RunAsync(TimeSpan decoderDuration, TimeSpan cpuWindow, int reconnectTrials, CancellationToken cancellationToken = default)
    {
        DecoderBenchResult decoder = MeasureDecoder(decoderDuration);
        IdleCpuResult cpu = await MeasureIdleCpuAsync(cpuWindow, cancellationToken).ConfigureAwait(false);
        ReconnectBenchResult rc = await MeasureReconnectAsync(reconnectTrials, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        return Format(decoder, cpu, rc);
    }

    /// <summary>The report text.</summary>
    public static string Format(DecoderBenchResult d, IdleCpuResult c, ReconnectBenchResult r)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(r);
        var s = new StringBuilder();
        CultureInfo ci = CultureInfo.InvariantCulture;
        s.AppendLine(ci, $"scanner frame decoder: {d.FramesPerSecond:N0} frames/s ({d.MegabytesPerSecond:0.0} MB/s, {d.Frames:N0} frames of 8-104 bytes per pass)");
        s.AppendLine(ci, $"  with 50 % garbage:   {d.GarbageFramesPerSecond:N0} frames/s");
        s.AppendLine(ci, $"  baseline CRC-16 alone {d.CrcMegabytesPerSecond:0.0} MB/s; decoder/CRC = {d.RatioToCrc:0.00}");
        s.AppendLine(ci, $"idle CPU over {c.Seconds:0} s windows (% of one core): nothing open {c.BaselinePercent:0.00}; three ports, System.IO.Ports BaseStream {c.StreamModePercent:0.00}; three ports, poll mode {c.PollModePercent:0.00}; idle lane (scanner + 2 plate readers + emulators) {c.LanePercent:0.00}");
        s.AppendLine(ci, $"reconnect after unplug ({r.Trials} trials, {r.DownMilliseconds:0} ms unplugged, default back-off): detected in {r.DetectMilliseconds:0} ms (median); connected {r.ReconnectMilliseconds:0} ms (median, max {r.ReconnectMaxMilliseconds:0}) after the port reappeared");
        return s.ToString();
    }

    /// <summary>CPU time of this process (user + system) from /proc/self/stat, falling back to <see cref="Process"/>.</summary>
    public static TimeSpan ProcessCpuTime()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            using var process = Process.GetCurrentProcess();
            return process.TotalProcessorTime;
        }
    }

    private static async Task<double> PortsIdleAsync(SerialIoMode mode, TimeSpan window, CancellationToken cancellationToken)
    {
        var ptys = new List<PseudoTerminal>();
        var transports = new List<SerialPortTransport>();
        var readers = new List<Task>();
        using var stop = new CancellationTokenSource();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                PseudoTerminal pty = PseudoTerminal.Open();
                ptys.Add(pty);
                SerialPortTransport transport = SerialPortTransport.Open(new SerialOptions { Port = pty.SubordinatePath, Io = mode });
                transports.Add(transport);

                // One pending read per port, as a driver's reader loop has.
                readers.Add(Task.Run(async () =>
                {
                    try
                    {
                        await transport.Input.ReadAsync(stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }, CancellationToken.None));
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            return await CpuPercentAsync(window, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(readers).ConfigureAwait(false);
            foreach (SerialPortTransport t in transports)
            {
                await t.DisposeAsync().ConfigureAwait(false);
            }

            foreach (PseudoTerminal p in ptys)
            {
                await p.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<double> LaneIdleAsync(string directory, TimeSpan window, CancellationToken cancellationToken)
    {
        await using EmulatorSet set = EmulatorSet.StartCount(Path.Combine(directory, "lane"), 1, 2, PlateReaderFormat.OpenalprJson, dualEnergy: false);
        EmulatorEndpoint scannerEndpoint = set.Endpoints[0];
        var scannerOptions = new ScannerOptions { Id = scannerEndpoint.DeviceId, Serial = new SerialOptions { Port = scannerEndpoint.DevicePath }, SpoolDir = Path.Combine(directory, "lane", "spool", "scanner-1") };
        await using var scanner = new ScannerDriver(scannerOptions, new SerialPortTransportFactory(),
            new ImageHandover(scannerOptions.SpoolDir, Path.Combine(directory, "store"), scannerOptions.ImageWaitTimeout, TimeProvider.System), TimeProvider.System);
        Task connected = WaitForAsync(scanner, DeviceHealthState.Connected);
        scanner.Start();
        var readers = new List<PlateReaderDriver>();
        try
        {
            foreach (EmulatorEndpoint e in set.Endpoints.Skip(1))
            {
                var reader = new PlateReaderDriver(new PlateReaderOptions { Id = e.DeviceId, Serial = new SerialOptions { Port = e.DevicePath } }, new SerialPortTransportFactory(), TimeProvider.System);
                reader.Start();
                readers.Add(reader);
            }

            await connected.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);

            // Warm-up: tiered JIT recompiles the hot paths during the first seconds; measure the steady state.
            await Task.Delay(LaneWarmUp, cancellationToken).ConfigureAwait(false);
            return await CpuPercentAsync(window, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (PlateReaderDriver reader in readers)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<double> CpuPercentAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        TimeSpan cpuBefore = ProcessCpuTime();
        long wallBefore = Stopwatch.GetTimestamp();
        await Task.Delay(window, cancellationToken).ConfigureAwait(false);
        TimeSpan cpu = ProcessCpuTime() - cpuBefore;
        return cpu.TotalSeconds / Stopwatch.GetElapsedTime(wallBefore).TotalSeconds * 100;
    }

    private static Task WaitForAsync(ScannerDriver source, DeviceHealthState state, bool includeCurrent = true)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(object? sender, DeviceHealth health)
        {
            if (health.State == state && done.TrySetResult())
            {
                source.HealthChanged -= Handler;
            }
        }

        source.HealthChanged += Handler;
        if (includeCurrent && source.Health.State == state)
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    private static int Decode(byte[] bytes, int expected)
    {
        var decoder = new ScannerFrameDecoder();
        int count = 0;
        ReadOnlySpan<byte> rest = bytes;
        while (!rest.IsEmpty)
        {
            int taken = decoder.Append(rest[..Math.Min(4096, rest.Length)]);
            rest = rest[taken..];
            while (decoder.TryDecode(out _))
            {
                count++;
            }
        }

        if (count < expected)
        {
            throw new InvalidOperationException($"decoded {count} of {expected} frames");
        }

        return count;
    }

    private static double Time(TimeSpan duration, Action pass)
    {
        pass();
        int passes = 0;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < duration || passes < 3)
        {
            pass();
            passes++;
        }

        return passes / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        List<double> sorted = [.. values.Order()];
        return sorted[sorted.Count / 2];
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
