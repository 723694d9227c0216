namespace PortScanEdge.Devices.Scanner.Protocol;

/// <summary>
/// CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740): polynomial 0x1021, initial value 0xFFFF, not reflected,
/// no final XOR. Check value for ASCII "123456789" is 0x29B1 (scanner-serial.md §2.1).
/// </summary>
public static class Crc16CcittFalse
{
    /// <summary>Initial register value.</summary>
    public const ushort InitialValue = 0xFFFF;

    private static readonly ushort[] Table = BuildTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Update(InitialValue, data);

    /// <summary>Continues a CRC over more data (for data split across buffers).</summary>
    public static ushort Update(ushort crc, ReadOnlySpan<byte> data)
    {
        ushort[] table = Table;
        foreach (byte b in data)
        {
            crc = (ushort)((crc << 8) ^ table[((crc >> 8) ^ b) & 0xFF]);
        }

        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }

            table[i] = (ushort)crc;
        }

        return table;
    }
}
