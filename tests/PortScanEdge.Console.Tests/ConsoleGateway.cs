using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Host.Hosting;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Host.Tests;
using PortScanEdge.Host.Web;

namespace PortScanEdge.Console.Tests;

/// <summary>
/// One gateway running the simulated lane in this process (emulators on real pseudo-terminals, simulated GPIO,
/// the real model), with its operator console on a free port, and Debian's Chromium driven by Playwright.
/// The simulated operator never decides (<c>operator_decision_delay: 0s</c>) and almost every vehicle is
/// anomalous, so there is always a referred vehicle waiting for the console.
/// </summary>
public sealed class ConsoleGateway : IAsyncLifetime
{
    public const string LaneId = "lane-1";
    public const string OperatorId = "olga";
    public const string OperatorPin = "1234";
    public const string SupervisorId = "sam";
    public const string SupervisorPin = "9876";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly string _credentialsDirectory = Path.Combine(Path.GetTempPath(), $"portscan-console-{Guid.NewGuid():N}");
    private TempConfig? _config;
    private IHost? _host;
    private IPlaywright? _playwright;

    public Uri BaseAddress { get; private set; } = null!;

    public LaneHub Hub { get; private set; } = null!;

    /// <summary>The gateway's working copies of images and overlays (and where the archive keeps them).</summary>
    public WorkingCopies Files => _host!.Services.GetRequiredService<WorkingCopies>();

    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotDirectory { get; } = RepositoryPaths.Of("artifacts/screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_credentialsDirectory);
        var credentials = Path.Combine(_credentialsDirectory, "operators.db");
        await File.WriteAllLinesAsync(credentials,
        [
            OperatorCredentials.Format(OperatorCredentials.Create(OperatorId, OperatorRole.Operator, OperatorPin, 10_000)),
            OperatorCredentials.Format(OperatorCredentials.Create(SupervisorId, OperatorRole.Supervisor, SupervisorPin, 10_000)),
        ]);

        _config = TempConfig.IsolatedDemo(text => text
            .ReplaceLineStarting("  vehicle_interval: ", "  vehicle_interval: 2s\n  operator_decision_delay: 0s\n  image_width: 1024\n  image_height: 512")
            .ReplaceLineStarting("  anomaly_rate: ", "  anomaly_rate: 0.95")
            .ReplaceLineStarting("  fault_rate: ", "  fault_rate: 0")
            .ReplaceLineStarting("  credentials_file: ", $"  credentials_file: {credentials}")
            // The demo model refers few synthetic vehicles at this size; a low threshold makes (nearly) every
            // vehicle an alert, so a referred vehicle is always waiting for the console.
            .ReplaceLineStarting("detection:", "detection:\n  threshold: 0.05"));
        var loaded = ConfigLoader.LoadFile(_config.Path);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        _host = GatewayHost.Build(loaded.Options!, loaded.FullPath!, LogFormat.Text, LogLevel.Warning);
        Hub = _host.Services.GetRequiredService<LaneHub>();
        await _host.StartAsync();
        BaseAddress = new Uri($"http://127.0.0.1:{_config.WebPort}/");

        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    public async Task DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.DisposeAsync();
            _playwright.Dispose();
        }

        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        _config?.Dispose();
        Directory.Delete(_credentialsDirectory, recursive: true);
    }

    /// <summary>A fresh browser context (no cookies) on a booth-sized screen.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
        });
        return await context.NewPageAsync();
    }

    /// <summary>Waits (on the hub's notifications, no polling) until the lane has a machine-referred vehicle awaiting a decision.</summary>
    public async Task<VehicleTransaction> WaitForReferredVehicleAsync()
    {
        var notifications = Hub.Subscribe();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var current = Hub.CurrentOf(LaneId);
            if (current is { Stage: TransactionStage.AwaitingDecision } && DecisionRules.IsMachineReferred(current))
            {
                return current;
            }

            await notifications.ReadAsync(timeout.Token);
        }
    }

    /// <summary>Waits for the version of <paramref name="transactionId"/> that carries a decision.</summary>
    public static async Task<VehicleTransaction> WaitForDecisionAsync(string transactionId, System.Threading.Channels.ChannelReader<LaneNotification> notifications)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await foreach (var notification in notifications.ReadAllAsync(timeout.Token))
        {
            if (notification is TransactionNotification { Transaction.Decision: not null } change && change.Transaction.Id == transactionId)
            {
                return change.Transaction;
            }
        }

        throw new InvalidOperationException("the hub completed");
    }
}

internal static class ConfigText
{
    /// <summary>Replaces the one line that starts with <paramref name="prefix"/>; fails when there is not exactly one.</summary>
    public static string ReplaceLineStarting(this string text, string prefix, string replacement)
    {
        var lines = text.Split('\n');
        var index = Array.FindIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(index >= 0 && Array.FindLastIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal)) == index, $"expected one line starting '{prefix}' in the demo config");
        lines[index] = replacement;
        return string.Join('\n', lines);
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleGatewayGroup : ICollectionFixture<ConsoleGateway>
{
    public const string Name = "console gateway";
}
