using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Core.Tests.Configuration;

public class ValueParsingTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_WithUnit_Parse(string text, double milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("5 seconds")]
    [InlineData("-5s")]
    [InlineData("ms")]
    [InlineData("100000h")]
    public void Durations_WithoutValidUnit_AreRefused(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData(250, "250ms")]
    [InlineData(5000, "5s")]
    [InlineData(1500, "1500ms")]
    [InlineData(120_000, "2m")]
    [InlineData(3_600_000, "1h")]
    public void Durations_Format_RoundTrips(double milliseconds, string expected)
    {
        var text = Durations.Format(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(expected, text);
        Assert.True(Durations.TryParse(text, out var back));
        Assert.Equal(milliseconds, back.TotalMilliseconds);
    }

    [Theory]
    [InlineData("DataBits", "data_bits")]
    [InlineData("Rs485", "rs485")]
    [InlineData("TopN", "top_n")]
    [InlineData("RtsCtsXonXoff", "rts_cts_xon_xoff")]
    [InlineData("Libgpiodv2", "libgpiodv2")]
    public void Naming_PascalCase_BecomesSnakeCase(string name, string expected) => Assert.Equal(expected, ConfigNaming.ToSnakeCase(name));

    [Theory]
    [InlineData("${MQTT_PASSWORD}", true, "MQTT_PASSWORD")]
    [InlineData("file:/etc/portscan-edge/mqtt.pass", false, "/etc/portscan-edge/mqtt.pass")]
    public void SecretReference_ValidForms_Parse(string text, bool isEnvironment, string name)
    {
        Assert.True(SecretReference.TryParse(text, out var reference, out _));
        Assert.Equal(isEnvironment, reference!.IsEnvironment);
        Assert.Equal(name, reference.Name);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("hunter2")]
    [InlineData("file:relative/path")]
    [InlineData("${1BAD}")]
    [InlineData("$MQTT_PASSWORD")]
    public void SecretReference_OtherForms_AreRefused(string text) => Assert.False(SecretReference.TryParse(text, out _, out _));
}

public class DeviceOptionCopyTests
{
    [Fact]
    public void WithPort_ChangesOnlyThePath_AndLeavesTheOriginalAlone()
    {
        var serial = new SerialOptions { Port = SerialOptions.EmulatorPort, Baud = 19200, Parity = SerialParity.Even, DataBits = 7, Rs485 = true, ReconnectBackoffMax = TimeSpan.FromSeconds(9) };
        var reader = new PlateReaderOptions { Id = "plate-1", Serial = serial, Format = PlateReaderFormat.StxEtx, TopN = 5 };

        var copy = reader.WithSerial(reader.Serial.WithPort("/dev/pts/7"));

        Assert.Equal("/dev/pts/7", copy.Serial.Port);
        Assert.Equal((19200, SerialParity.Even, 7, true, TimeSpan.FromSeconds(9)), (copy.Serial.Baud, copy.Serial.Parity, copy.Serial.DataBits, copy.Serial.Rs485, copy.Serial.ReconnectBackoffMax));
        Assert.Equal(("plate-1", PlateReaderFormat.StxEtx, 5), (copy.Id, copy.Format, copy.TopN));
        Assert.Equal(SerialOptions.EmulatorPort, reader.Serial.Port);
    }
}
