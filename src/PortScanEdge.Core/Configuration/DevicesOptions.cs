namespace PortScanEdge.Core.Configuration;

/// <summary>Devices attached to the gateway, grouped by kind.</summary>
public sealed class DevicesOptions
{
    [Doc("Imaging scanners (X-ray / gamma portals) speaking the scanner serial protocol (hardware/protocols/scanner-serial.md).")]
    public List<ScannerOptions> Scanners { get; set; } = [];

    [Doc("Licence-plate and container-code readers on serial lines.")]
    public List<PlateReaderOptions> PlateReaders { get; set; } = [];

    [Doc("Discrete lane I/O blocks on GPIO: loops, curtains, e-stop, interlock, radiation alarm in; barrier, lights, beacon, buzzer out.")]
    public List<GpioOptions> Gpio { get; set; } = [];
}

/// <summary>Serial parity.</summary>
public enum SerialParity
{
    /// <summary>No parity bit.</summary>
    None,

    /// <summary>Odd parity.</summary>
    Odd,

    /// <summary>Even parity.</summary>
    Even,

    /// <summary>Parity bit always 1.</summary>
    Mark,

    /// <summary>Parity bit always 0.</summary>
    Space,
}

/// <summary>Serial stop bits.</summary>
public enum SerialStopBits
{
    /// <summary>One stop bit.</summary>
    One,

    /// <summary>One and a half stop bits.</summary>
    OnePointFive,

    /// <summary>Two stop bits.</summary>
    Two,
}

/// <summary>Serial flow control.</summary>
public enum SerialHandshake
{
    /// <summary>No flow control.</summary>
    None,

    /// <summary>Software flow control.</summary>
    XonXoff,

    /// <summary>Hardware flow control.</summary>
    RtsCts,

    /// <summary>Hardware and software flow control.</summary>
    RtsCtsXonXoff,
}

/// <summary>How a serial line is read.</summary>
public enum SerialIoMode
{
    /// <summary>Wait in poll(2) on the port's descriptor: no CPU while idle (Linux; elsewhere falls back to stream).</summary>
    Poll,

    /// <summary>System.IO.Ports' BaseStream reads; portable, but polls every millisecond per port on Linux.</summary>
    Stream,
}

/// <summary>Settings of one serial line.</summary>
public sealed class SerialOptions
{
    /// <summary>The port value that asks the simulation to start an emulator on a pseudo-terminal.</summary>
    public const string EmulatorPort = "emulator";

    /// <summary>Baud rates accepted by validation.</summary>
    public static readonly int[] StandardBaudRates =
        [300, 600, 1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

    /// <summary>A copy of these settings with another device path (every other setting kept).</summary>
    public SerialOptions WithPort(string port)
    {
        var copy = (SerialOptions)MemberwiseClone();
        copy.Port = port;
        return copy;
    }

    [Doc("Device path; prefer stable names such as /dev/serial/by-id/...; 'emulator' starts a device emulator on a pseudo-terminal (simulation only).")]
    [RequiredKey]
    public string Port { get; set; } = string.Empty;

    [Doc("Baud rate: a standard rate such as 9600, 19200, 38400, 57600 or 115200.")]
    public int Baud { get; set; } = 115200;

    [Doc("Parity.")]
    public SerialParity Parity { get; set; } = SerialParity.None;

    [Doc("Data bits per character.")]
    [Bounds(5, 8)]
    public int DataBits { get; set; } = 8;

    [Doc("Stop bits.")]
    public SerialStopBits StopBits { get; set; } = SerialStopBits.One;

    [Doc("Flow control.")]
    public SerialHandshake Handshake { get; set; } = SerialHandshake.None;

    [Doc("True for an RS-485 (half-duplex) adapter; the driver then drives RTS for transmit enable.")]
    public bool Rs485 { get; set; }

    [Doc("How the port is read: 'poll' waits in poll(2) on the port's descriptor (no CPU while idle); 'stream' uses System.IO.Ports' BaseStream (wakes every millisecond on Linux).")]
    public SerialIoMode Io { get; set; } = SerialIoMode.Poll;

    [Doc("First delay before reopening a port that disappeared; doubles on each failure up to reconnect_backoff_max.")]
    public TimeSpan ReconnectBackoffInitial { get; set; } = TimeSpan.FromMilliseconds(250);

    [Doc("Largest delay between attempts to reopen a port that disappeared.")]
    public TimeSpan ReconnectBackoffMax { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>An imaging scanner.</summary>
public sealed class ScannerOptions
{
    /// <summary>A copy of this scanner with other serial settings (every other setting kept).</summary>
    public ScannerOptions WithSerial(SerialOptions serial)
    {
        var copy = (ScannerOptions)MemberwiseClone();
        copy.Serial = serial;
        return copy;
    }

    [Doc("Device id, unique among all devices.")]
    [RequiredKey]
    [Pattern(PortScanEdgeOptions.IdPattern, PortScanEdgeOptions.IdExplanation)]
    public string Id { get; set; } = string.Empty;

    [Doc("The serial control line.")]
    [RequiredKey]
    public SerialOptions Serial { get; set; } = new();

    [Doc("Directory where the scanner writes finished images (in production a mounted share); relative paths are resolved against the config file's directory.")]
    [RequiredKey]
    public string SpoolDir { get; set; } = string.Empty;

    [Doc("How long to wait for an announced image file to appear with the announced size.")]
    public TimeSpan ImageWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Where a plate reader looks at the vehicle.</summary>
public enum PlateReaderPosition
{
    /// <summary>Reads the front plate.</summary>
    Front,

    /// <summary>Reads the rear plate or container code.</summary>
    Rear,
}

/// <summary>The line format a plate reader emits.</summary>
public enum PlateReaderFormat
{
    /// <summary>ASCII lines following <c>template</c>, e.g. <c>%PLATE%,%CONF%\r\n</c>.</summary>
    Template,

    /// <summary>STX ... ETX framed records whose body follows <c>template</c>.</summary>
    StxEtx,

    /// <summary>OpenALPR-style JSON, one object per line.</summary>
    OpenalprJson,
}

/// <summary>A licence-plate or container-code reader.</summary>
public sealed class PlateReaderOptions
{
    /// <summary>A copy of this reader with other serial settings (every other setting kept).</summary>
    public PlateReaderOptions WithSerial(SerialOptions serial)
    {
        var copy = (PlateReaderOptions)MemberwiseClone();
        copy.Serial = serial;
        return copy;
    }

    [Doc("Device id, unique among all devices.")]
    [RequiredKey]
    [Pattern(PortScanEdgeOptions.IdPattern, PortScanEdgeOptions.IdExplanation)]
    public string Id { get; set; } = string.Empty;

    [Doc("The serial line.")]
    [RequiredKey]
    public SerialOptions Serial { get; set; } = new();

    [Doc("Which side of the vehicle the reader sees.")]
    public PlateReaderPosition Position { get; set; } = PlateReaderPosition.Front;

    [Doc("Line format the reader emits.")]
    public PlateReaderFormat Format { get; set; } = PlateReaderFormat.OpenalprJson;

    [Doc("For template and stx_etx formats: the record layout with %PLATE% and optional %CONF% placeholders.")]
    public string Template { get; set; } = "%PLATE%,%CONF%";

    [Doc("How many candidate readings to keep per read.")]
    [Bounds(1, 10)]
    public int TopN { get; set; } = 3;

    [Doc("Repeated reads of the same plate within this window count once.")]
    public TimeSpan DedupeWindow { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The GPIO driver used to reach the pins.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod v1 character-device driver.</summary>
    Libgpiod,

    /// <summary>libgpiod v2 character-device driver.</summary>
    Libgpiodv2,

    /// <summary>Legacy sysfs interface.</summary>
    Sysfs,

    /// <summary>A simulated driver for development and tests (no hardware).</summary>
    Simulated,
}

/// <summary>One GPIO line.</summary>
public sealed class GpioPinOptions
{
    [Doc("Line (offset) number on the chip.")]
    [RequiredKey]
    [Bounds(0, 1023)]
    public int Line { get; set; }

    [Doc("True when the signal is asserted at low level (e.g. a normally-closed contact pulled up).")]
    public bool ActiveLow { get; set; }

    [Doc("Software debounce for inputs: a change counts only once it has been stable this long. Ignored for outputs.")]
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(20);
}

/// <summary>The named pins of a lane I/O block; omit the ones a lane does not have.</summary>
public sealed class LanePinsOptions
{
    [Doc("Input: vehicle-presence loop at the lane entry.")]
    public GpioPinOptions? EntryLoop { get; set; }

    [Doc("Input: vehicle-presence loop at the lane exit.")]
    public GpioPinOptions? ExitLoop { get; set; }

    [Doc("Input: light curtain across the scan zone.")]
    public GpioPinOptions? LightCurtain { get; set; }

    [Doc("Input: emergency stop (wire normally-closed and set active_low accordingly).")]
    public GpioPinOptions? Estop { get; set; }

    [Doc("Input: scanner safety interlock (asserted = closed = safe to scan).")]
    public GpioPinOptions? Interlock { get; set; }

    [Doc("Input: radiation portal monitor alarm contact.")]
    public GpioPinOptions? RadiationAlarm { get; set; }

    [Doc("Input: operator acknowledge push-button at the lane (read with Iot.Device.Button.GpioButton; active_low for a button to ground).")]
    public GpioPinOptions? OperatorAck { get; set; }

    [Doc("Output: barrier gate relay (energised = open; de-energised = closed).")]
    public GpioPinOptions? Barrier { get; set; }

    [Doc("Output: red traffic light (lit when de-energised through a normally-closed relay contact).")]
    public GpioPinOptions? LightRed { get; set; }

    [Doc("Output: green traffic light.")]
    public GpioPinOptions? LightGreen { get; set; }

    [Doc("Output: alert beacon.")]
    public GpioPinOptions? Beacon { get; set; }

    [Doc("Output: alert buzzer.")]
    public GpioPinOptions? Buzzer { get; set; }
}

/// <summary>A lane I/O block on one GPIO chip.</summary>
public sealed class GpioOptions
{
    [Doc("Device id, unique among all devices.")]
    [RequiredKey]
    [Pattern(PortScanEdgeOptions.IdPattern, PortScanEdgeOptions.IdExplanation)]
    public string Id { get; set; } = string.Empty;

    [Doc("GPIO driver.")]
    public GpioDriverKind Driver { get; set; } = GpioDriverKind.Libgpiodv2;

    [Doc("GPIO chip number (/dev/gpiochipN).")]
    [Bounds(0, 63)]
    public int Chip { get; set; }

    [Doc("The lane signals and the lines they are wired to.")]
    [RequiredKey]
    public LanePinsOptions Pins { get; set; } = new();
}
