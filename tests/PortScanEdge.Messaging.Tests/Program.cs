using System.Globalization;
using PortScanEdge.Messaging.Tests.Infrastructure;

namespace PortScanEdge.Messaging.Tests;

/// <summary>
/// The test assembly doubles as a killable gateway process for the outage and Last Will tests:
/// <c>dotnet PortScanEdge.Messaging.Tests.dll gateway URI DATA_DIR LANES COUNT RECEIPTS</c> starts the messaging
/// layer against URI, commits COUNT records round-robin over LANES lanes (one receipt line per committed record:
/// lane, message_id, sequence), prints PRODUCED, and runs until killed. Prints CONNECTED once connected.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 6 || args[0] != "gateway")
        {
            await Console.Error.WriteLineAsync("usage: gateway URI DATA_DIR LANES COUNT RECEIPTS");
            return 2;
        }

        var lanes = int.Parse(args[3], CultureInfo.InvariantCulture);
        var count = int.Parse(args[4], CultureInfo.InvariantCulture);
        var options = TestGateway.CreateOptions([args[1]], "gw-outage", lanes, args[2]);
        await using var gateway = await TestGateway.StartAsync(options);
        _ = Task.Run(async () =>
        {
            await gateway.WaitConnectedAsync(TimeSpan.FromMinutes(10));
            Console.WriteLine("CONNECTED");
        });
        using (var receipts = new StreamWriter(args[5], append: true))
        {
            for (var i = 0; i < count; i++)
            {
                var lane = $"lane-{(i % lanes) + 1}";
                var receipt = await gateway.Publisher.PublishRecordAsync(Samples.Record(lane, "gw-outage", i));
                await receipts.WriteLineAsync($"{lane} {receipt.MessageId} {receipt.Sequence}");
                await receipts.FlushAsync();
            }
        }

        Console.WriteLine("PRODUCED " + count.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
