namespace PortScanEdge.Devices.Scanner.Protocol;

/// <summary>
/// Constants of the scanner serial control protocol, each named as in
/// <c>hardware/protocols/scanner-serial.md</c> with the section that defines it.
/// </summary>
public static class ScannerProtocol
{
    /// <summary>The protocol version this code speaks (§6.1).</summary>
    public const byte ProtocolVersion = 1;

    /// <summary>First start-of-frame byte (§2).</summary>
    public const byte StartOfFrame1 = 0xA5;

    /// <summary>Second start-of-frame byte (§2).</summary>
    public const byte StartOfFrame2 = 0x5A;

    /// <summary>SOF1, SOF2, LEN (2), SEQ, TYPE (§2).</summary>
    public const int HeaderLength = 6;

    /// <summary>Trailing CRC-16 (§2).</summary>
    public const int CrcLength = 2;

    /// <summary>Header plus CRC: the size of a frame with an empty payload (§2).</summary>
    public const int Overhead = HeaderLength + CrcLength;

    /// <summary>Largest payload a frame may carry, in bytes (§2).</summary>
    public const int MaxPayload = 1024;

    /// <summary>Largest frame on the wire, in bytes (§2).</summary>
    public const int MaxFrameLength = MaxPayload + Overhead;

    /// <summary>A partial frame with no new byte for this long is abandoned and the stream resynchronised (§2.2 step 4).</summary>
    public static readonly TimeSpan InterByteTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Fixed part of the acknowledgement timeout; the line time of the frame and its ACK is added (§3).</summary>
    public static readonly TimeSpan AckTimeoutBase = TimeSpan.FromMilliseconds(250);

    /// <summary>Retransmissions after the first transmission before the link is declared lost (§3).</summary>
    public const int MaxRetransmissions = 3;

    /// <summary>Send a HEARTBEAT when nothing was sent for this long (§6.2).</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(1000);

    /// <summary>The gateway declares the link lost when no frame arrived for this long (§6.2).</summary>
    public static readonly TimeSpan LinkTimeout = TimeSpan.FromMilliseconds(3500);

    /// <summary>The scanner ends a scan (beam off, fault 7) when the gateway is silent this long (§6.2).</summary>
    public static readonly TimeSpan GatewaySilenceTimeout = TimeSpan.FromMilliseconds(5000);

    /// <summary>Time allowed for WELCOME after HELLO (§6.1).</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromMilliseconds(2000);

    /// <summary>First reconnect delay (§6.3).</summary>
    public static readonly TimeSpan ReconnectBackoffInitial = TimeSpan.FromMilliseconds(250);

    /// <summary>Largest reconnect delay (§6.3).</summary>
    public static readonly TimeSpan ReconnectBackoffMax = TimeSpan.FromMilliseconds(5000);

    /// <summary>How often the gateway looks for an announced image file (§7 step 2).</summary>
    public static readonly TimeSpan ImagePollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest transaction id (§5).</summary>
    public const int MaxTransactionIdLength = 64;

    /// <summary>Longest image file name (§5.2).</summary>
    public const int MaxFileNameLength = 128;

    /// <summary>NAK reason: CRC error (§3).</summary>
    public const byte NakReasonCrc = 0x01;

    /// <summary>NAK reason: length error (§3).</summary>
    public const byte NakReasonLength = 0x02;

    /// <summary>
    /// The acknowledgement timeout for a frame of <paramref name="frameLength"/> bytes at <paramref name="baud"/>:
    /// <see cref="AckTimeoutBase"/> plus the line time of the frame and of its 8-byte ACK at 10 bits per byte (§3).
    /// </summary>
    public static TimeSpan AckTimeout(int frameLength, int baud)
    {
        if (baud <= 0)
        {
            return AckTimeoutBase;
        }

        double lineSeconds = (frameLength + Overhead) * 10.0 / baud;
        return AckTimeoutBase + TimeSpan.FromSeconds(lineSeconds);
    }
}

/// <summary>Frame types (§5).</summary>
public enum ScannerFrameType : byte
{
    /// <summary>Gateway opens a session and offers versions.</summary>
    Hello = 0x01,

    /// <summary>Scanner answers HELLO with the selected version and its identity.</summary>
    Welcome = 0x02,

    /// <summary>Keep-alive, either direction.</summary>
    Heartbeat = 0x03,

    /// <summary>Positive acknowledgement (not sequenced).</summary>
    Ack = 0x06,

    /// <summary>Negative acknowledgement (not sequenced).</summary>
    Nak = 0x15,

    /// <summary>Command: report status.</summary>
    GetStatus = 0x20,

    /// <summary>Command: arm (IDLE → READY).</summary>
    Arm = 0x21,

    /// <summary>Command: start a scan for a transaction id.</summary>
    StartScan = 0x22,

    /// <summary>Command: abort.</summary>
    Abort = 0x23,

    /// <summary>Command: reset a fault.</summary>
    ResetFault = 0x24,

    /// <summary>Event: state, flags and fault code.</summary>
    Status = 0x40,

    /// <summary>Event: armed and ready to scan.</summary>
    Ready = 0x41,

    /// <summary>Event: a scan started.</summary>
    Scanning = 0x42,

    /// <summary>Event: a scan finished; images announced.</summary>
    ScanComplete = 0x43,

    /// <summary>Event: a fault with code and text.</summary>
    Fault = 0x44,

    /// <summary>Event: interlock closed or open.</summary>
    Interlock = 0x45,

    /// <summary>Event: beam on or off.</summary>
    Xray = 0x46,

    /// <summary>Event: a command was refused.</summary>
    CommandRejected = 0x47,
}
