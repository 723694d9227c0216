using System.Buffers;
using System.IO.Pipelines;
using System.IO.Ports;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Serial;
using PortScanEdge.Simulation.Pty;

namespace PortScanEdge.Devices.Tests.Serial;

/// <summary>The gateway's serial transport against real pseudo-terminals.</summary>
public sealed class SerialPortTransportTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TryGetHandle_OpenPort_FindsDescriptorSoPollModeIsUsed()
    {
        using var temp = new TempDirectory();
        await using PseudoTerminal pty = PseudoTerminal.Open(Path.Combine(temp.Path, "tty"));
        using var port = new SerialPort(pty.DevicePath, 115200);
        port.Open();
        Assert.True(SerialPortTransport.TryGetHandle(port, out var handle));
        Assert.False(handle.IsInvalid);
    }

    [Theory]
    [InlineData(SerialIoMode.Poll)]
    [InlineData(SerialIoMode.Stream)]
    public async Task Transport_BothDirections_BytesArriveIntact(SerialIoMode mode)
    {
        using var temp = new TempDirectory();
        await using PseudoTerminal pty = PseudoTerminal.Open(Path.Combine(temp.Path, "tty"));
        await using SerialPortTransport transport = SerialPortTransport.Open(new SerialOptions { Port = pty.DevicePath, Io = mode });
        Assert.Equal(mode, transport.EffectiveMode);

        byte[] toGateway = [.. Enumerable.Range(0, 3000).Select(i => (byte)i)];
        pty.Write(toGateway);
        byte[] received = await ReadExactlyAsync(transport.Input, toGateway.Length);
        Assert.Equal(toGateway, received);

        byte[] toDevice = [0x00, 0x0A, 0x0D, 0x11, 0x13, 0x7F, 0xFF, 0x03, 0x1C];
        await transport.WriteAsync(toDevice);
        Assert.Equal(toDevice, await ReadExactlyAsync(pty.Input, toDevice.Length));
    }

    [Theory]
    [InlineData(SerialIoMode.Poll)]
    [InlineData(SerialIoMode.Stream)]
    public async Task Transport_PtyClosed_InputCompletesWithError(SerialIoMode mode)
    {
        using var temp = new TempDirectory();
        PseudoTerminal pty = PseudoTerminal.Open(Path.Combine(temp.Path, "tty"));
        await using SerialPortTransport transport = SerialPortTransport.Open(new SerialOptions { Port = pty.DevicePath, Io = mode });
        await pty.DisposeAsync();

        var ended = await Record.ExceptionAsync(async () =>
        {
            while (true)
            {
                ReadResult result = await transport.Input.ReadAsync().AsTask().WaitAsync(Patience);
                transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        });

        // Either a completed pipe or an IOException counts as "the device went away"; a timeout does not.
        Assert.True(ended is null or IOException, $"unexpected: {ended}");
    }

    internal static async Task<byte[]> ReadExactlyAsync(PipeReader reader, int count)
    {
        var collected = new List<byte>(count);
        while (collected.Count < count)
        {
            ReadResult result = await reader.ReadAsync().AsTask().WaitAsync(Patience);
            ReadOnlySequence<byte> buffer = result.Buffer;
            long take = Math.Min(buffer.Length, count - collected.Count);
            collected.AddRange(buffer.Slice(0, take).ToArray());
            reader.AdvanceTo(buffer.GetPosition(take));
            if (result.IsCompleted && collected.Count < count)
            {
                throw new IOException("input ended early");
            }
        }

        return [.. collected];
    }
}

/// <summary>A directory removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pse-dev-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
