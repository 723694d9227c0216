using System.Buffers.Binary;
using System.Text;

namespace PortScanEdge.Devices.Scanner.Protocol;

/// <summary>
/// Encodes and parses frame payloads (scanner-serial.md §5). Parsers never throw on hostile input: they return
/// false with a reason. Trailing bytes after the known fields are ignored (§5, forward compatibility).
/// </summary>
public static class ScannerMessageCodec
{
    /// <summary>Checks a transaction id: 1-64 characters of A-Z a-z 0-9 - _ (§5).</summary>
    public static bool IsValidTransactionId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= ScannerProtocol.MaxTransactionIdLength && id.All(IsIdChar);

    /// <summary>Checks an image file name: 1-128 characters of A-Z a-z 0-9 . _ -, not starting with '.' (§5.2).</summary>
    public static bool IsValidFileName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= ScannerProtocol.MaxFileNameLength && name[0] != '.'
        && name.All(c => IsIdChar(c) || c == '.');

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_';

    /// <summary>HELLO.</summary>
    public static byte[] EncodeHello(HelloMessage m) => new Writer().U8(m.MinVersion).U8(m.MaxVersion).Str(m.ClientName).ToArray();

    /// <summary>WELCOME.</summary>
    public static byte[] EncodeWelcome(WelcomeMessage m) =>
        new Writer().U8(m.SelectedVersion).U8(m.ScannerMinVersion).U8(m.ScannerMaxVersion)
            .Str(m.Vendor).Str(m.Model).Str(m.SerialNumber).Str(m.Firmware).ToArray();

    /// <summary>STATUS.</summary>
    public static byte[] EncodeStatus(StatusMessage m) =>
        new Writer().U8((byte)m.State).U8((byte)((m.InterlockClosed ? 1 : 0) | (m.XrayOn ? 2 : 0)))
            .U16(m.FaultCode).Str(m.TransactionId).ToArray();

    /// <summary>START_SCAN, ABORT and SCANNING: one transaction id.</summary>
    public static byte[] EncodeTransactionId(string transactionId) => new Writer().Str(transactionId).ToArray();

    /// <summary>FAULT.</summary>
    public static byte[] EncodeFault(FaultMessage m) => new Writer().U16(m.Code).Str(m.Text).ToArray();

    /// <summary>INTERLOCK and XRAY: one flag byte.</summary>
    public static byte[] EncodeFlag(bool value) => [value ? (byte)1 : (byte)0];

    /// <summary>COMMAND_REJECTED.</summary>
    public static byte[] EncodeCommandRejected(CommandRejectedMessage m) =>
        new Writer().U8(m.CommandType).U8(m.CommandSequence).U8((byte)m.Reason).Str(m.Text).ToArray();

    /// <summary>SCAN_COMPLETE.</summary>
    public static byte[] EncodeScanComplete(ScanCompleteMessage m)
    {
        var w = new Writer().Str(m.TransactionId).U8((byte)m.Images.Count);
        foreach (AnnouncedImage image in m.Images)
        {
            if (image.Sha256.Length != 32)
            {
                throw new ArgumentException("SHA-256 must be 32 bytes", nameof(m));
            }

            w.U8((byte)image.Energy).U16(image.EnergyKv).Str(image.FileName).U64((ulong)image.SizeBytes)
                .Bytes(image.Sha256).U32((uint)image.Width).U32((uint)image.Height).U8(image.BitDepth);
        }

        return w.ToArray();
    }

    /// <summary>NAK.</summary>
    public static byte[] EncodeNak(byte reason) => [reason];

    /// <summary>Parses HELLO.</summary>
    public static bool TryParseHello(ReadOnlySpan<byte> p, out HelloMessage message, out string error)
    {
        var r = new Reader(p);
        message = null!;
        if (!r.U8(out byte min) || !r.U8(out byte max) || !r.Str(out string name))
        {
            error = "HELLO payload too short";
            return false;
        }

        message = new HelloMessage(min, max, name);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses WELCOME.</summary>
    public static bool TryParseWelcome(ReadOnlySpan<byte> p, out WelcomeMessage message, out string error)
    {
        var r = new Reader(p);
        message = null!;
        if (!r.U8(out byte selected) || !r.U8(out byte min) || !r.U8(out byte max) || !r.Str(out string vendor)
            || !r.Str(out string model) || !r.Str(out string serial) || !r.Str(out string firmware))
        {
            error = "WELCOME payload too short";
            return false;
        }

        message = new WelcomeMessage(selected, min, max, vendor, model, serial, firmware);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses STATUS.</summary>
    public static bool TryParseStatus(ReadOnlySpan<byte> p, out StatusMessage message, out string error)
    {
        var r = new Reader(p);
        message = null!;
        if (!r.U8(out byte state) || !r.U8(out byte flags) || !r.U16(out ushort fault) || !r.Str(out string tx))
        {
            error = "STATUS payload too short";
            return false;
        }

        if (state > (byte)ScannerState.Fault)
        {
            error = $"STATUS state {state} is not defined";
            return false;
        }

        message = new StatusMessage((ScannerState)state, (flags & 1) != 0, (flags & 2) != 0, fault, tx);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses a payload that is one transaction id (START_SCAN, ABORT, SCANNING).</summary>
    public static bool TryParseTransactionId(ReadOnlySpan<byte> p, bool allowEmpty, out string transactionId, out string error)
    {
        var r = new Reader(p);
        if (!r.Str(out transactionId))
        {
            error = "transaction id missing";
            return false;
        }

        if (!(allowEmpty && transactionId.Length == 0) && !IsValidTransactionId(transactionId))
        {
            error = "transaction id must be 1-64 characters of A-Z a-z 0-9 - _";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Parses FAULT.</summary>
    public static bool TryParseFault(ReadOnlySpan<byte> p, out FaultMessage message, out string error)
    {
        var r = new Reader(p);
        message = null!;
        if (!r.U16(out ushort code) || !r.Str(out string text))
        {
            error = "FAULT payload too short";
            return false;
        }

        message = new FaultMessage(code, text);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses INTERLOCK or XRAY.</summary>
    public static bool TryParseFlag(ReadOnlySpan<byte> p, out bool value, out string error)
    {
        var r = new Reader(p);
        if (!r.U8(out byte b) || b > 1)
        {
            value = false;
            error = "flag must be one byte, 0 or 1";
            return false;
        }

        value = b == 1;
        error = string.Empty;
        return true;
    }

    /// <summary>Parses COMMAND_REJECTED.</summary>
    public static bool TryParseCommandRejected(ReadOnlySpan<byte> p, out CommandRejectedMessage message, out string error)
    {
        var r = new Reader(p);
        message = null!;
        if (!r.U8(out byte type) || !r.U8(out byte seq) || !r.U8(out byte reason) || !r.Str(out string text))
        {
            error = "COMMAND_REJECTED payload too short";
            return false;
        }

        message = new CommandRejectedMessage(type, seq, (RejectReason)reason, text);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Parses SCAN_COMPLETE. File names are <b>not</b> checked here: a bad name is an integrity failure of the
    /// scan (§7), decided by the image hand-over, not a malformed frame.
    /// </summary>
    public static bool TryParseScanComplete(ReadOnlySpan<byte> p, out ScanCompleteMessage message, out string error)
    {
        var r = new Reader(p);
        message = null!;
        if (!r.Str(out string tx) || !r.U8(out byte count))
        {
            error = "SCAN_COMPLETE payload too short";
            return false;
        }

        if (!IsValidTransactionId(tx))
        {
            error = "SCAN_COMPLETE transaction id is not valid";
            return false;
        }

        if (count is < 1 or > 2)
        {
            error = $"SCAN_COMPLETE announces {count} images; 1 or 2 allowed";
            return false;
        }

        var images = new List<AnnouncedImage>(count);
        for (int i = 0; i < count; i++)
        {
            if (!r.U8(out byte energy) || !r.U16(out ushort kv) || !r.Str(out string name) || !r.U64(out ulong size)
                || !r.Bytes(32, out byte[] sha) || !r.U32(out uint width) || !r.U32(out uint height) || !r.U8(out byte depth))
            {
                error = $"SCAN_COMPLETE image {i + 1} is truncated";
                return false;
            }

            if (energy > (byte)EnergyKind.High || size > long.MaxValue || width > int.MaxValue || height > int.MaxValue)
            {
                error = $"SCAN_COMPLETE image {i + 1} has a field out of range";
                return false;
            }

            images.Add(new AnnouncedImage((EnergyKind)energy, kv, name, (long)size, sha, (int)width, (int)height, depth));
        }

        message = new ScanCompleteMessage(tx, images);
        error = string.Empty;
        return true;
    }

    private sealed class Writer
    {
        private readonly List<byte> _bytes = new(64);

        public Writer U8(byte v)
        {
            _bytes.Add(v);
            return this;
        }

        public Writer U16(ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(b, v);
            _bytes.AddRange(b);
            return this;
        }

        public Writer U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
            _bytes.AddRange(b);
            return this;
        }

        public Writer U64(ulong v)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(b, v);
            _bytes.AddRange(b);
            return this;
        }

        public Writer Str(string s)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(s);
            if (utf8.Length > 255)
            {
                throw new ArgumentException($"string of {utf8.Length} UTF-8 bytes does not fit a str8 field", nameof(s));
            }

            _bytes.Add((byte)utf8.Length);
            _bytes.AddRange(utf8);
            return this;
        }

        public Writer Bytes(ReadOnlySpan<byte> b)
        {
            _bytes.AddRange(b);
            return this;
        }

        public byte[] ToArray() => [.. _bytes];
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public bool U8(out byte v)
        {
            if (_rest.Length < 1)
            {
                v = 0;
                return false;
            }

            v = _rest[0];
            _rest = _rest[1..];
            return true;
        }

        public bool U16(out ushort v)
        {
            if (_rest.Length < 2)
            {
                v = 0;
                return false;
            }

            v = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            _rest = _rest[2..];
            return true;
        }

        public bool U32(out uint v)
        {
            if (_rest.Length < 4)
            {
                v = 0;
                return false;
            }

            v = BinaryPrimitives.ReadUInt32BigEndian(_rest);
            _rest = _rest[4..];
            return true;
        }

        public bool U64(out ulong v)
        {
            if (_rest.Length < 8)
            {
                v = 0;
                return false;
            }

            v = BinaryPrimitives.ReadUInt64BigEndian(_rest);
            _rest = _rest[8..];
            return true;
        }

        public bool Str(out string v)
        {
            if (_rest.Length < 1 || _rest.Length < 1 + _rest[0])
            {
                v = string.Empty;
                return false;
            }

            int n = _rest[0];
            v = Encoding.UTF8.GetString(_rest.Slice(1, n));
            _rest = _rest[(1 + n)..];
            return true;
        }

        public bool Bytes(int n, out byte[] v)
        {
            if (_rest.Length < n)
            {
                v = [];
                return false;
            }

            v = _rest[..n].ToArray();
            _rest = _rest[n..];
            return true;
        }
    }
}
