using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Devices.Serial;
using PortScanEdge.Devices.Tests.Serial;
using PortScanEdge.Simulation.Emulators;

namespace PortScanEdge.Devices.Tests.Scanner;

/// <summary>An in-memory transport: the test plays the peer byte for byte.</summary>
internal sealed class MemoryTransport : ISerialTransport
{
    private readonly Pipe _toLink = new();
    private readonly Pipe _fromLink = new();

    public string PortName => "memory";

    public int Baud => 115200;

    public PipeReader Input => _toLink.Reader;

    /// <summary>What the link wrote.</summary>
    public PipeReader Written => _fromLink.Reader;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await _fromLink.Writer.WriteAsync(data, cancellationToken);
    }

    /// <summary>Bytes from the peer.</summary>
    public async Task PeerSendsAsync(byte[] bytes) => await _toLink.Writer.WriteAsync(bytes);

    /// <summary>Reads the next frame the link wrote.</summary>
    public async Task<(byte Seq, ScannerFrameType Type, byte[] Payload)> NextWrittenFrameAsync()
    {
        var decoder = new ScannerFrameDecoder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            ReadResult result = await Written.ReadAsync(timeout.Token);
            ReadOnlySequence<byte> buffer = result.Buffer;

            // Frames are written whole, so take exactly one frame's bytes.
            byte[] all = buffer.ToArray();
            if (all.Length >= ScannerProtocol.Overhead)
            {
                int length = (all[2] << 8) | all[3];
                int total = length + ScannerProtocol.Overhead;
                if (all.Length >= total)
                {
                    Written.AdvanceTo(buffer.GetPosition(total));
                    (byte, ScannerFrameType, byte[])? frame = null;
                    decoder.Feed(all.AsSpan(0, total), f => frame = (f.Sequence, f.FrameType, f.Payload.ToArray()));
                    return frame ?? throw new InvalidOperationException("link wrote a bad frame");
                }
            }

            Written.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The link layer (§3, §4, §6.2) against a scripted peer, with a fake clock for every timeout.</summary>
public sealed class ScannerLinkTests
{
    private static byte[] Frame(byte seq, ScannerFrameType type, byte[]? payload = null) => ScannerFrameEncoder.Encode(seq, type, payload ?? []);

    [Fact]
    public async Task Receive_SequencedFrame_AckedAndDelivered()
    {
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, new FakeTimeProvider(), linkTimeout: null, sendHeartbeats: false);
        link.Start();
        await transport.PeerSendsAsync(Frame(1, ScannerFrameType.Ready));
        var ack = await transport.NextWrittenFrameAsync();
        Assert.Equal((1, ScannerFrameType.Ack), (ack.Seq, ack.Type));
        LinkFrame delivered = await link.Frames.ReadAsync();
        Assert.Equal(ScannerFrameType.Ready, delivered.FrameType);
    }

    [Fact]
    public async Task Receive_DuplicateSequence_AckedAgainNotDeliveredTwice()
    {
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, new FakeTimeProvider(), null, false);
        link.Start();
        await transport.PeerSendsAsync([.. Frame(4, ScannerFrameType.Ready), .. Frame(4, ScannerFrameType.Ready), .. Frame(5, ScannerFrameType.Heartbeat)]);
        Assert.Equal(4, (await transport.NextWrittenFrameAsync()).Seq);
        Assert.Equal(4, (await transport.NextWrittenFrameAsync()).Seq);
        Assert.Equal(5, (await transport.NextWrittenFrameAsync()).Seq);
        Assert.Equal(ScannerFrameType.Ready, (await link.Frames.ReadAsync()).FrameType);
        Assert.Equal(ScannerFrameType.Heartbeat, (await link.Frames.ReadAsync()).FrameType);
        Assert.Equal(1, link.Statistics.Duplicates);
    }

    [Fact]
    public async Task Receive_SequenceGap_DeliveredAndCounted()
    {
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, new FakeTimeProvider(), null, false);
        link.Start();
        await transport.PeerSendsAsync([.. Frame(1, ScannerFrameType.Ready), .. Frame(7, ScannerFrameType.Heartbeat)]);
        await link.Frames.ReadAsync();
        Assert.Equal(7, (await link.Frames.ReadAsync()).Sequence);
        Assert.Equal(1, link.Statistics.SequenceGaps);
    }

    [Fact]
    public async Task Receive_BadCrc_NakWithHeaderSequence()
    {
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, new FakeTimeProvider(), null, false);
        link.Start();
        byte[] bad = Frame(9, ScannerFrameType.Ready);
        bad[^1] ^= 0x55;
        await transport.PeerSendsAsync(bad);
        var nak = await transport.NextWrittenFrameAsync();
        Assert.Equal(ScannerFrameType.Nak, nak.Type);
        Assert.Equal(9, nak.Seq);
        Assert.Equal([ScannerProtocol.NakReasonCrc], nak.Payload);
    }

    [Fact]
    public async Task Send_NoAck_RetransmitsSameBytesThenLinkLost()
    {
        var time = new FakeTimeProvider();
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, time, null, false);
        link.Start();
        Task<byte> send = link.SendAsync(ScannerFrameType.Arm, ReadOnlyMemory<byte>.Empty);
        int transmissions = 0;
        while (!send.IsCompleted)
        {
            Task<(byte Seq, ScannerFrameType Type, byte[] Payload)> next = transport.NextWrittenFrameAsync();
            while (!next.IsCompleted && !send.IsCompleted)
            {
                // Step the fake clock until the link retransmits (or gives up).
                time.Advance(TimeSpan.FromMilliseconds(50));
                await Task.WhenAny(next, send, Task.Delay(2));
            }

            if (next.IsCompleted)
            {
                var written = await next;
                Assert.Equal((0, ScannerFrameType.Arm), (written.Seq, written.Type));
                transmissions++;
            }
        }

        await Assert.ThrowsAsync<LinkLostException>(() => send);
        Assert.Equal(ScannerProtocol.MaxRetransmissions + 1, transmissions);
        Assert.True(link.IsLost);
        Assert.Contains("no ACK for Arm", link.LostReason, StringComparison.Ordinal);
        Assert.Equal(ScannerProtocol.MaxRetransmissions, link.Statistics.Retransmissions);
    }

    [Fact]
    public async Task Send_NakThenAck_RetransmittedAtOnceAndSucceeds()
    {
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, new FakeTimeProvider(), null, false);
        link.Start();
        Task<byte> send = link.SendAsync(ScannerFrameType.Arm, ReadOnlyMemory<byte>.Empty);
        await transport.NextWrittenFrameAsync();
        await transport.PeerSendsAsync(Frame(0, ScannerFrameType.Nak, [ScannerProtocol.NakReasonCrc]));
        var again = await transport.NextWrittenFrameAsync();
        Assert.Equal(ScannerFrameType.Arm, again.Type);
        await transport.PeerSendsAsync(Frame(0, ScannerFrameType.Ack));
        Assert.Equal(0, await send);
        Assert.Equal(1, link.Statistics.Retransmissions);
    }

    [Fact]
    public async Task Monitor_SilentPeer_LinkLostAfterLinkTimeout()
    {
        var time = new FakeTimeProvider();
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, time, ScannerProtocol.LinkTimeout, sendHeartbeats: false);
        link.Start();
        for (int i = 0; i < 40 && !link.IsLost; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
            await Task.Delay(5);
        }

        Assert.True(link.IsLost);
        Assert.Contains("no frame from the device", link.LostReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Monitor_Idle_HeartbeatAfterInterval()
    {
        var time = new FakeTimeProvider();
        var transport = new MemoryTransport();
        await using var link = new ScannerLink(transport, time, null, sendHeartbeats: true);
        link.Start();
        Task<(byte Seq, ScannerFrameType Type, byte[] Payload)> next = transport.NextWrittenFrameAsync();
        for (int i = 0; i < 50 && !next.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5);
        }

        Assert.Equal(ScannerFrameType.Heartbeat, (await next).Type);
    }

    [Fact]
    public async Task Emulator_UnknownCommand_RejectedReasonUnknown()
    {
        using var temp = new TempDirectory();
        await using var emulator = new ScannerEmulator(new ScannerEmulatorOptions { LinkPath = Path.Combine(temp.Path, "s"), SpoolDirectory = Path.Combine(temp.Path, "spool") });
        emulator.Start();
        await using SerialPortTransport transport = SerialPortTransport.Open(new SerialOptions { Port = emulator.DevicePath });
        await using var link = new ScannerLink(transport, TimeProvider.System, null, sendHeartbeats: false);
        link.Start();
        link.ResetTransmitSequence();
        await link.SendAsync(ScannerFrameType.Hello, ScannerMessageCodec.EncodeHello(new HelloMessage(1, 1, "test")));
        Assert.Equal(ScannerFrameType.Welcome, (await link.Frames.ReadAsync()).FrameType);
        Assert.Equal(ScannerFrameType.Status, (await link.Frames.ReadAsync()).FrameType);

        byte seq = await link.SendAsync((ScannerFrameType)0x2F, new byte[] { 1, 2 });
        LinkFrame answer = await link.Frames.ReadAsync();
        Assert.Equal(ScannerFrameType.CommandRejected, answer.FrameType);
        Assert.True(ScannerMessageCodec.TryParseCommandRejected(answer.Payload, out CommandRejectedMessage rejected, out _));
        Assert.Equal((0x2F, seq, RejectReason.UnknownCommand), (rejected.CommandType, rejected.CommandSequence, rejected.Reason));

        // A malformed START_SCAN (transaction id with a path in it) is rejected as malformed.
        await link.SendAsync(ScannerFrameType.StartScan, ScannerMessageCodec.EncodeTransactionId("a/b"));
        Assert.True(ScannerMessageCodec.TryParseCommandRejected((await link.Frames.ReadAsync()).Payload, out rejected, out _));
        Assert.Equal(RejectReason.Malformed, rejected.Reason);
    }
}
