namespace PortScanEdge.Devices.Scanner.Protocol;

/// <summary>Scanner state byte of STATUS (§5.1).</summary>
public enum ScannerState : byte
{
    /// <summary>Not armed.</summary>
    Idle = 0,

    /// <summary>Armed and ready to scan.</summary>
    Ready = 1,

    /// <summary>A scan is running.</summary>
    Scanning = 2,

    /// <summary>Faulted until RESET_FAULT.</summary>
    Fault = 3,
}

/// <summary>Energy of one announced image (§5.2).</summary>
public enum EnergyKind : byte
{
    /// <summary>Single-energy image.</summary>
    SingleEnergy = 0,

    /// <summary>Low-energy image of a dual-energy pair.</summary>
    Low = 1,

    /// <summary>High-energy image of a dual-energy pair.</summary>
    High = 2,
}

/// <summary>Why the scanner refused a command (§5.1).</summary>
public enum RejectReason : byte
{
    /// <summary>Unknown command type.</summary>
    UnknownCommand = 1,

    /// <summary>The payload did not parse or a field is out of range.</summary>
    Malformed = 2,

    /// <summary>Not allowed in the current state.</summary>
    InvalidState = 3,

    /// <summary>The interlock is open.</summary>
    InterlockOpen = 4,

    /// <summary>The scanner is faulted.</summary>
    Faulted = 5,

    /// <summary>A scan is running.</summary>
    Busy = 6,
}

/// <summary>Well-known fault codes (§5.1); 0x8000 and above are vendor specific.</summary>
public static class ScannerFaultCodes
{
    /// <summary>No fault.</summary>
    public const ushort None = 0;

    /// <summary>Interlock opened during a scan.</summary>
    public const ushort InterlockOpenedDuringScan = 1;

    /// <summary>X-ray source fault.</summary>
    public const ushort SourceFault = 2;

    /// <summary>Detector fault.</summary>
    public const ushort DetectorFault = 3;

    /// <summary>Over-temperature.</summary>
    public const ushort OverTemperature = 4;

    /// <summary>Conveyor or vehicle motion fault.</summary>
    public const ushort MotionFault = 5;

    /// <summary>Image spool write failure.</summary>
    public const ushort SpoolWriteFailure = 6;

    /// <summary>Link to the gateway lost during a scan.</summary>
    public const ushort GatewayLinkLost = 7;

    /// <summary>First vendor-specific code.</summary>
    public const ushort VendorSpecificFirst = 0x8000;

    /// <summary>A short English name for a code, for logs and the console.</summary>
    public static string Describe(ushort code) => code switch
    {
        None => "no fault",
        InterlockOpenedDuringScan => "interlock opened during scan",
        SourceFault => "X-ray source fault",
        DetectorFault => "detector fault",
        OverTemperature => "over-temperature",
        MotionFault => "conveyor / vehicle motion fault",
        SpoolWriteFailure => "image spool write failure",
        GatewayLinkLost => "link to gateway lost during scan",
        >= VendorSpecificFirst => "vendor-specific fault",
        _ => "unknown fault",
    };
}

/// <summary>HELLO payload (§5, §6.1).</summary>
public sealed record HelloMessage(byte MinVersion, byte MaxVersion, string ClientName);

/// <summary>WELCOME payload (§5, §6.1); <see cref="SelectedVersion"/> 0 means no common version.</summary>
public sealed record WelcomeMessage(byte SelectedVersion, byte ScannerMinVersion, byte ScannerMaxVersion, string Vendor, string Model, string SerialNumber, string Firmware);

/// <summary>STATUS payload (§5, §5.1).</summary>
public sealed record StatusMessage(ScannerState State, bool InterlockClosed, bool XrayOn, ushort FaultCode, string TransactionId);

/// <summary>FAULT payload (§5).</summary>
public sealed record FaultMessage(ushort Code, string Text);

/// <summary>COMMAND_REJECTED payload (§5).</summary>
public sealed record CommandRejectedMessage(byte CommandType, byte CommandSequence, RejectReason Reason, string Text);

/// <summary>One image announced in SCAN_COMPLETE (§5.2).</summary>
public sealed record AnnouncedImage(
    EnergyKind Energy,
    ushort EnergyKv,
    string FileName,
    long SizeBytes,
    byte[] Sha256,
    int Width,
    int Height,
    byte BitDepth)
{
    /// <summary>The SHA-256 as lower-case hex.</summary>
    public string Sha256Hex => Convert.ToHexStringLower(Sha256);
}

/// <summary>SCAN_COMPLETE payload (§5.2).</summary>
public sealed record ScanCompleteMessage(string TransactionId, IReadOnlyList<AnnouncedImage> Images);
