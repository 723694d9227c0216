using System.IO.Ports;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Simulation.Emulators;
using PortScanEdge.Simulation.Pty;

namespace PortScanEdge.Simulation.Tests.Emulators;

public sealed class EmulatorSetTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pse-emu-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task StartCount_ScannerAndTwoReaders_StableLinksPointAtPtys()
    {
        await using EmulatorSet set = EmulatorSet.StartCount(_directory, 1, 2, PlateReaderFormat.Template, dualEnergy: false);
        Assert.Equal(["scanner-1", "lpr-front", "lpr-rear"], set.Endpoints.Select(e => e.DeviceId));
        foreach (EmulatorEndpoint endpoint in set.Endpoints)
        {
            Assert.StartsWith("/dev/pts/", new FileInfo(endpoint.DevicePath).LinkTarget, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Execute_PlateCommand_BytesArriveOnTheGatewaySide()
    {
        await using EmulatorSet set = EmulatorSet.StartCount(_directory, 0, 1, PlateReaderFormat.Template, dualEnergy: false);
        using var port = new SerialPort(set.Endpoints[0].DevicePath, 9600) { ReadTimeout = 5000, NewLine = "\r\n" };
        port.Open();
        string reply = await set.ExecuteAsync("plate lpr-front ABC123 87.5");
        Assert.Contains("sent ABC123", reply, StringComparison.Ordinal);
        Assert.Equal("ABC123,87.5", port.ReadLine());
    }

    [Theory]
    [InlineData("crc scanner-1 2", "bad CRC")]
    [InlineData("slow scanner-1 300", "delayed by 300 ms")]
    [InlineData("hash-mismatch scanner-1", "wrong SHA-256")]
    [InlineData("nonsense scanner-1", "does not apply")]
    [InlineData("crc nobody", "no emulated device")]
    [InlineData("crc", "needs a device id")]
    public async Task Execute_Commands_AnswerInWords(string command, string expected)
    {
        await using EmulatorSet set = EmulatorSet.StartCount(_directory, 1, 0, PlateReaderFormat.Template, dualEnergy: false);
        Assert.Contains(expected, await set.ExecuteAsync(command), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartFor_ConfigWithEmulatorPorts_OnlyThoseEmulated()
    {
        var options = new PortScanEdgeOptions();
        options.Devices.Scanners.Add(new ScannerOptions { Id = "s1", Serial = new SerialOptions { Port = SerialOptions.EmulatorPort }, SpoolDir = Path.Combine(_directory, "spool") });
        options.Devices.PlateReaders.Add(new PlateReaderOptions { Id = "real", Serial = new SerialOptions { Port = "/dev/ttyUSB9" } });
        await using EmulatorSet set = EmulatorSet.StartFor(options, _directory);
        Assert.Equal(["s1"], set.Endpoints.Select(e => e.DeviceId));
    }

    [Fact]
    public async Task PseudoTerminal_NobodyReading_WritesNeverBlock()
    {
        await using PseudoTerminal pty = PseudoTerminal.Open();
        var chunk = new byte[1024];
        for (int i = 0; i < 200; i++)
        {
            pty.Write(chunk);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
