using System.Globalization;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Scanner.Protocol;

namespace PortScanEdge.Simulation.Emulators;

/// <summary>One running emulator, as printed for a technician.</summary>
/// <param name="DeviceId">The device id.</param>
/// <param name="Kind">"scanner" or "plate-reader".</param>
/// <param name="DevicePath">The stable path to put in the gateway's config (<c>serial.port</c>).</param>
/// <param name="PtyPath">The kernel's pseudo-terminal behind it.</param>
/// <param name="Detail">Format, spool directory, ...</param>
public sealed record EmulatorEndpoint(string DeviceId, string Kind, string DevicePath, string PtyPath, string Detail);

/// <summary>
/// A set of device emulators on pseudo-terminals: started from a gateway config (every device whose port is
/// <c>emulator</c>) or by count, for <c>portscan-edge emulate</c> and the simulated lane. Also understands the
/// one-line control commands a technician types (see <see cref="ExecuteAsync"/>).
/// </summary>
public sealed class EmulatorSet : IAsyncDisposable
{
    private readonly Dictionary<string, ScannerEmulator> _scanners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PlateReaderEmulator> _plateReaders = new(StringComparer.Ordinal);
    private readonly List<EmulatorEndpoint> _endpoints = [];

    private EmulatorSet(string directory)
    {
        Directory = directory;
    }

    /// <summary>Where the stable device links live.</summary>
    public string Directory { get; }

    /// <summary>Every emulator started, in start order.</summary>
    public IReadOnlyList<EmulatorEndpoint> Endpoints => _endpoints;

    /// <summary>The scanner emulators by device id.</summary>
    public IReadOnlyDictionary<string, ScannerEmulator> Scanners => _scanners;

    /// <summary>The plate reader emulators by device id.</summary>
    public IReadOnlyDictionary<string, PlateReaderEmulator> PlateReaders => _plateReaders;

    /// <summary>
    /// Starts an emulator for every scanner and plate reader in <paramref name="options"/> whose serial port is
    /// <c>emulator</c> (all of them when <paramref name="all"/>), with stable links under <paramref name="directory"/>.
    /// The returned map gives, per device id, the path the gateway must open instead of <c>emulator</c>.
    /// </summary>
    public static EmulatorSet StartFor(PortScanEdgeOptions options, string directory, bool all = false, IScanImageSource? images = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var set = new EmulatorSet(directory);
        try
        {
            foreach (ScannerOptions scanner in options.Devices.Scanners)
            {
                if (all || scanner.Serial.Port == SerialOptions.EmulatorPort)
                {
                    set.AddScanner(scanner.Id, options.ResolvePath(scanner.SpoolDir), dualEnergy: false, images, options.Simulation.ImageWidth, options.Simulation.ImageHeight);
                }
            }

            foreach (PlateReaderOptions reader in options.Devices.PlateReaders)
            {
                if (all || reader.Serial.Port == SerialOptions.EmulatorPort)
                {
                    set.AddPlateReader(reader.Id, reader.Format, reader.Template);
                }
            }
        }
        catch
        {
            set.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return set;
    }

    /// <summary>Starts <paramref name="scanners"/> scanner and <paramref name="plateReaders"/> plate reader emulators.</summary>
    public static EmulatorSet StartCount(string directory, int scanners, int plateReaders, PlateReaderFormat format, bool dualEnergy, IScanImageSource? images = null)
    {
        var set = new EmulatorSet(directory);
        try
        {
            for (int i = 1; i <= scanners; i++)
            {
                set.AddScanner($"scanner-{i}", Path.Combine(directory, "spool", $"scanner-{i}"), dualEnergy, images, 512, 256);
            }

            string[] positions = ["front", "rear"];
            for (int i = 1; i <= plateReaders; i++)
            {
                string id = plateReaders <= 2 ? $"lpr-{positions[i - 1]}" : $"lpr-{i}";
                set.AddPlateReader(id, format, "%PLATE%,%CONF%");
            }
        }
        catch
        {
            set.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return set;
    }

    /// <summary>
    /// Runs one control command and returns what to print. Commands:
    /// <c>plate ID TEXT [CONF]</c>, <c>garbage ID [BYTES]</c>, <c>crc ID [N]</c>, <c>drop ID [N]</c>, <c>dup ID [N]</c>,
    /// <c>slow ID MS</c>, <c>silent ID on|off</c>, <c>fault ID CODE TEXT...</c>, <c>interlock ID open|closed</c>,
    /// <c>hash-mismatch ID</c>, <c>size-mismatch ID</c>, <c>missing-file ID</c>, <c>disconnect ID [MS]</c>,
    /// <c>wrong-format ID</c>, <c>oversized ID</c>, <c>clear ID</c>, <c>list</c>, <c>help</c>.
    /// </summary>
    public async Task<string> ExecuteAsync(string line)
    {
        string[] words = (line ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            return string.Empty;
        }

        string verb = words[0].ToLowerInvariant();
        if (verb is "help" or "?")
        {
            return Help;
        }

        if (verb == "list")
        {
            return string.Join(Environment.NewLine, _endpoints.Select(Describe));
        }

        if (words.Length < 2)
        {
            return $"'{verb}' needs a device id; try 'list' or 'help'";
        }

        string id = words[1];
        int Number(int index, int fallback) =>
            words.Length > index && int.TryParse(words[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 0 ? n : fallback;

        if (_plateReaders.TryGetValue(id, out PlateReaderEmulator? reader))
        {
            switch (verb)
            {
                case "plate" when words.Length >= 3:
                    double confidence = words.Length > 3 && double.TryParse(words[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double c) ? c : 90;
                    await reader.EmitAsync(words[2], confidence).ConfigureAwait(false);
                    return $"{id}: sent {words[2]} ({confidence:0.0} %)";
                case "garbage":
                    await reader.InjectGarbageAsync(Number(2, 64)).ConfigureAwait(false);
                    return $"{id}: sent {Number(2, 64)} random bytes";
                case "wrong-format":
                    await reader.SendWrongFormatAsync().ConfigureAwait(false);
                    return $"{id}: sent a record in the wrong format";
                case "oversized":
                    await reader.SendOversizedAsync().ConfigureAwait(false);
                    return $"{id}: sent an oversized record";
                case "disconnect":
                    await reader.DisconnectAsync(TimeSpan.FromMilliseconds(Number(2, 2000))).ConfigureAwait(false);
                    return $"{id}: unplugged for {Number(2, 2000)} ms and back";
                default:
                    return $"'{verb}' does not apply to plate reader {id}; try 'help'";
            }
        }

        if (!_scanners.TryGetValue(id, out ScannerEmulator? scanner))
        {
            return $"no emulated device '{id}'; try 'list'";
        }

        ScannerFaults faults = scanner.Faults;
        switch (verb)
        {
            case "garbage":
                faults.InjectGarbage(Number(2, 1));
                return $"{id}: garbage before the next {Number(2, 1)} frame(s)";
            case "crc":
                faults.CorruptCrc(Number(2, 1));
                return $"{id}: bad CRC on the next {Number(2, 1)} frame(s)";
            case "drop":
                faults.DropFrames(Number(2, 1));
                return $"{id}: dropping the next {Number(2, 1)} frame(s)";
            case "dup":
                faults.DuplicateFrames(Number(2, 1));
                return $"{id}: duplicating the next {Number(2, 1)} frame(s)";
            case "slow":
                faults.ResponseDelay = TimeSpan.FromMilliseconds(Number(2, 0));
                return $"{id}: answers delayed by {Number(2, 0)} ms";
            case "silent":
                faults.Silent = words.Length > 2 && words[2] == "on";
                return $"{id}: silent {(faults.Silent ? "on" : "off")}";
            case "fault":
                ushort code = (ushort)Math.Clamp(Number(2, ScannerFaultCodes.SourceFault), 1, ushort.MaxValue);
                string text = words.Length > 3 ? string.Join(' ', words[3..]) : ScannerFaultCodes.Describe(code);
                await scanner.RaiseFaultAsync(code, text).ConfigureAwait(false);
                return $"{id}: fault {code} ({text}) raised";
            case "interlock":
                bool closed = words.Length > 2 && words[2] == "closed";
                await scanner.SetInterlockAsync(closed).ConfigureAwait(false);
                return $"{id}: interlock {(closed ? "closed" : "open")}";
            case "hash-mismatch":
                faults.HashMismatch();
                return $"{id}: the next scan announces a wrong SHA-256";
            case "size-mismatch":
                faults.SizeMismatch();
                return $"{id}: the next scan announces a wrong size";
            case "missing-file":
                faults.MissingFile();
                return $"{id}: the next scan's image is not written";
            case "disconnect":
                await scanner.DisconnectAsync(TimeSpan.FromMilliseconds(Number(2, 2000))).ConfigureAwait(false);
                return $"{id}: unplugged for {Number(2, 2000)} ms and back";
            case "clear":
                faults.Clear();
                return $"{id}: faults cleared";
            default:
                return $"'{verb}' does not apply to scanner {id}; try 'help'";
        }
    }

    /// <summary>The help text of <see cref="ExecuteAsync"/>.</summary>
    public const string Help = """
        commands (ID from 'list'):
          list                                 the emulated devices and their ports
          plate ID TEXT [CONF]                 a plate reader sends a read (confidence in percent)
          garbage ID [N]                       scanner: random bytes before the next N frames; plate reader: N random bytes
          crc ID [N] | drop ID [N] | dup ID [N]  scanner: bad CRC / dropped / duplicated next N frames
          slow ID MS                           scanner: delay every answer by MS milliseconds (0 = off)
          silent ID on|off                     scanner: stop sending anything (a hung device)
          fault ID CODE [TEXT]                 scanner: raise fault CODE (1 interlock, 2 source, 3 detector, 4 temperature, ...)
          interlock ID open|closed             scanner: open or close the safety interlock
          hash-mismatch ID | size-mismatch ID | missing-file ID   scanner: spoil the next scan's image hand-over
          wrong-format ID | oversized ID       plate reader: send a bad record
          disconnect ID [MS]                   unplug the device for MS milliseconds (default 2000)
          clear ID                             scanner: clear injected faults
        """;

    /// <summary>One line per endpoint, for the console.</summary>
    public static string Describe(EmulatorEndpoint e) => $"{e.Kind,-12} {e.DeviceId,-14} port {e.DevicePath}  (pty {e.PtyPath}; {e.Detail})";

    /// <summary>Stops every emulator.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ScannerEmulator scanner in _scanners.Values)
        {
            await scanner.DisposeAsync().ConfigureAwait(false);
        }

        foreach (PlateReaderEmulator reader in _plateReaders.Values)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void AddScanner(string id, string spool, bool dualEnergy, IScanImageSource? images, int width, int height)
    {
        string link = Path.Combine(Directory, id);
        var emulator = new ScannerEmulator(new ScannerEmulatorOptions
        {
            Id = id,
            LinkPath = link,
            SpoolDirectory = spool,
            DualEnergy = dualEnergy,
            ImageWidth = width,
            ImageHeight = height,
        }, images);
        emulator.Start();
        _scanners[id] = emulator;
        _endpoints.Add(new EmulatorEndpoint(id, "scanner", link, emulator.SubordinatePath ?? link, $"spool {spool}"));
    }

    private void AddPlateReader(string id, PlateReaderFormat format, string template)
    {
        string link = Path.Combine(Directory, id);
        var emulator = new PlateReaderEmulator(new PlateReaderEmulatorOptions { Id = id, LinkPath = link, Format = format, Template = template });
        emulator.Start();
        _plateReaders[id] = emulator;
        string pty = new FileInfo(link).LinkTarget ?? link;
        _endpoints.Add(new EmulatorEndpoint(id, "plate-reader", link, pty, $"format {format}"));
    }
}
