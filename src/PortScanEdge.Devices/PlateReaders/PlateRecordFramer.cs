using System.Text;

namespace PortScanEdge.Devices.PlateReaders;

/// <summary>Counters of a record framer.</summary>
public readonly record struct FramerStatistics(long Records, long OversizedRecords, long GarbageBytes);

/// <summary>
/// Cuts a plate reader's byte stream into records (hardware/protocols/plate-readers.md): CR/LF lines, or STX … ETX
/// framed records. Incremental (split anywhere), bounded (records longer than the maximum are dropped and counted),
/// never throws on input. Bytes are read as Latin-1 so no input is "invalid"; parsers decide what is a plate.
/// </summary>
public abstract class PlateRecordFramer
{
    private readonly byte[] _record;
    private int _length;
    private bool _overflowed;

    /// <summary>Creates a framer for records of at most <paramref name="maxRecordBytes"/>.</summary>
    protected PlateRecordFramer(int maxRecordBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordBytes, 1);
        _record = new byte[maxRecordBytes];
    }

    /// <summary>Counters so far.</summary>
    public FramerStatistics Statistics => new(RecordCount, OversizedCount, GarbageCount);

    /// <summary>Records completed.</summary>
    protected long RecordCount { get; set; }

    /// <summary>Records dropped for being too long.</summary>
    protected long OversizedCount { get; set; }

    /// <summary>Bytes outside any record.</summary>
    protected long GarbageCount { get; set; }

    /// <summary>Feeds bytes; <paramref name="onRecord"/> gets each completed record (without its delimiters).</summary>
    public abstract void Feed(ReadOnlySpan<byte> data, Action<string> onRecord);

    /// <summary>Creates the framer for a configured format.</summary>
    public static PlateRecordFramer For(PortScanEdge.Core.Configuration.PlateReaderFormat format) => format switch
    {
        PortScanEdge.Core.Configuration.PlateReaderFormat.StxEtx => new StxEtxFramer(),
        PortScanEdge.Core.Configuration.PlateReaderFormat.OpenalprJson => new LineFramer(LineFramer.MaxJsonLineBytes),
        _ => new LineFramer(),
    };

    /// <summary>Adds one byte to the current record (dropping it when the record is already too long).</summary>
    protected void Append(byte b)
    {
        if (_length < _record.Length)
        {
            _record[_length++] = b;
        }
        else
        {
            _overflowed = true;
        }
    }

    /// <summary>True when bytes are collected for a record.</summary>
    protected bool HasRecord => _length > 0 || _overflowed;

    /// <summary>Ends the current record and hands it on unless it overflowed.</summary>
    protected void EndRecord(Action<string> onRecord)
    {
        if (_overflowed)
        {
            OversizedCount++;
        }
        else if (_length > 0)
        {
            RecordCount++;
            onRecord(Encoding.Latin1.GetString(_record, 0, _length));
        }

        _length = 0;
        _overflowed = false;
    }

    /// <summary>Forgets the current record without counting it as a record.</summary>
    protected void DiscardRecord()
    {
        GarbageCount += _length;
        _length = 0;
        _overflowed = false;
    }
}

/// <summary>Records end at CR, LF or CRLF; empty lines are skipped.</summary>
public sealed class LineFramer(int maxRecordBytes = LineFramer.MaxTemplateLineBytes) : PlateRecordFramer(maxRecordBytes)
{
    /// <summary>Longest template line (hardware/protocols/plate-readers.md).</summary>
    public const int MaxTemplateLineBytes = 512;

    /// <summary>Longest JSON line.</summary>
    public const int MaxJsonLineBytes = 16 * 1024;

    /// <inheritdoc />
    public override void Feed(ReadOnlySpan<byte> data, Action<string> onRecord)
    {
        foreach (byte b in data)
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                EndRecord(onRecord);
            }
            else
            {
                Append(b);
            }
        }
    }
}

/// <summary>Records are STX (0x02) … ETX (0x03); bytes outside are garbage; an STX inside a record restarts it.</summary>
public sealed class StxEtxFramer(int maxRecordBytes = LineFramer.MaxTemplateLineBytes) : PlateRecordFramer(maxRecordBytes)
{
    /// <summary>Start of text.</summary>
    public const byte Stx = 0x02;

    /// <summary>End of text.</summary>
    public const byte Etx = 0x03;

    private bool _inRecord;

    /// <inheritdoc />
    public override void Feed(ReadOnlySpan<byte> data, Action<string> onRecord)
    {
        foreach (byte b in data)
        {
            if (b == Stx)
            {
                if (_inRecord)
                {
                    DiscardRecord();
                }

                _inRecord = true;
            }
            else if (b == Etx && _inRecord)
            {
                EndRecord(onRecord);
                _inRecord = false;
            }
            else if (_inRecord)
            {
                Append(b);
            }
            else
            {
                GarbageCount++;
            }
        }
    }
}
