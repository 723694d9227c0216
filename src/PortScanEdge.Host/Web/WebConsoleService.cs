using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Host.Hosting;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Host.Web;

/// <summary>Wires the operator console into the gateway.</summary>
internal static class WebConsoleServiceCollectionExtensions
{
    /// <summary>Adds the operator console (Kestrel inside the gateway) unless <c>web.enabled</c> is false.</summary>
    public static IServiceCollection AddPortScanEdgeWebConsole(this IServiceCollection services, PortScanEdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Web.Enabled)
        {
            services.AddSingleton<WebConsoleService>();
            services.AddHostedService(provider => provider.GetRequiredService<WebConsoleService>());
        }

        return services;
    }
}

/// <summary>
/// The operator console: a Kestrel server inside the gateway process that reads the lanes through
/// <see cref="LaneHub"/> and <see cref="DeviceHealthMonitor"/> (never through the broker, so it works with MQTT
/// down), pushes changes to browsers as server-sent events, and posts decisions to the lane.
/// </summary>
internal sealed partial class WebConsoleService : IHostedService, IAsyncDisposable
{
    /// <summary>A client address may fail this many times more than one operator id.</summary>
    public const int ClientAttemptsFactor = 4;

    private readonly PortScanEdgeOptions _options;
    private readonly LaneHub _hub;
    private readonly DeviceHealthMonitor _health;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ConsoleBroadcaster _broadcaster = new();
    private readonly ConsoleEndpoints _endpoints;
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _overlayDirectory;
    private FileSystemWatcher? _overlayWatcher;
    private WebApplication? _app;
    private Task? _pump;

    public WebConsoleService(
        IOptions<PortScanEdgeOptions> options,
        LaneHub hub,
        LaneRegistry registry,
        DeviceHealthMonitor health,
        WorkingCopies workingCopies,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _hub = hub;
        _health = health;
        _loggers = loggers;
        _logger = loggers.CreateLogger("PortScanEdge.Web");
        var web = _options.Web;
        _overlayDirectory = workingCopies.OverlaysDirectory;
        var credentialsPath = web.CredentialsFile.Length == 0 ? string.Empty : _options.ResolvePath(web.CredentialsFile);
        _endpoints = new ConsoleEndpoints(
            web,
            new LaneViewBuilder(hub, registry, health, workingCopies),
            registry,
            new CredentialsSource(credentialsPath, problem => LogCredentialsProblem(_logger, problem)),
            new SessionStore(time, web.SessionTimeout),
            new SignInThrottle(time, web.SignInAttempts, web.SignInLockout),
            // Several operators share the booth's address: it gets more tries than one id before it is locked out.
            new SignInThrottle(time, web.SignInAttempts * ClientAttemptsFactor, web.SignInLockout),
            _broadcaster,
            time,
            _logger,
            _stopping.Token);
    }

    /// <summary>The addresses Kestrel listens on, once started.</summary>
    public IReadOnlyList<string> Addresses => _app?.Urls.ToArray() ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var web = _options.Web;
        var builder = InnerWebHost.CreateBuilder(new WebApplicationOptions { ContentRootPath = _options.ConfigDirectory });
        builder.Services.AddSingleton(_loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestValidation.MaximumBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 50;
            kestrel.Limits.MaxRequestLineSize = 4 * 1024;
            kestrel.Limits.MaxConcurrentConnections = 64;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            var address = ParseAddress(web.Bind);
            kestrel.Listen(address, web.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (web.CertificateFile.Length > 0)
                {
                    listen.UseHttps(LoadCertificate(web));
                }
            });
        });

        _app = builder.Build();
        _endpoints.Map(_app, https: web.CertificateFile.Length > 0);

        _pump = PumpAsync(_hub.Subscribe(), _stopping.Token);
        _health.Changed += OnHealthChanged;

        // The lane draws the heat-map overlay after it has published the analysed record (so drawing never
        // delays an alert) and announces nothing when the file lands; watching the directory lets the page
        // switch to the overlay as soon as it exists.
        Directory.CreateDirectory(_overlayDirectory);
        _overlayWatcher = new FileSystemWatcher(_overlayDirectory, "*.png") { NotifyFilter = NotifyFilters.FileName };
        _overlayWatcher.Created += OnOverlayWritten;
        _overlayWatcher.Renamed += OnOverlayWritten;
        _overlayWatcher.EnableRaisingEvents = true;
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var urls = string.Join(", ", _app.Urls);
        LogListening(_logger, urls, web.CertificateFile.Length > 0 ? "https" : "http");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _health.Changed -= OnHealthChanged;
        _overlayWatcher?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        _broadcaster.Complete();
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_pump is not null)
        {
            await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _endpoints.Dispose();
        _overlayWatcher?.Dispose();
        _stopping.Dispose();
    }

    private static IPAddress ParseAddress(string bind) => bind switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        _ when IPAddress.TryParse(bind, out var parsed) => parsed,
        _ => throw new InvalidOperationException($"web.bind: '{bind}' is not an IP address (use 127.0.0.1, 0.0.0.0 or an interface address)"),
    };

    private X509Certificate2 LoadCertificate(WebOptions web)
    {
        var path = _options.ResolvePath(web.CertificateFile);
        string? password = null;
        if (web.CertificatePassword is { } secret)
        {
            if (!secret.TryResolve(out var value, out var error))
            {
                throw new InvalidOperationException("web.certificate_password: " + error);
            }

            password = value;
        }

        if (path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
        {
            // A PEM bundle with the certificate and its private key in one file.
            return password is null ? X509Certificate2.CreateFromPemFile(path) : X509Certificate2.CreateFromEncryptedPemFile(path, password);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password);
    }

    private void OnHealthChanged(object? sender, DeviceHealth e) => _broadcaster.Changed();

    private void OnOverlayWritten(object? sender, FileSystemEventArgs e) => _broadcaster.Changed();

    private async Task PumpAsync(System.Threading.Channels.ChannelReader<LaneNotification> notifications, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in notifications.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                _broadcaster.Changed();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Operator console listening on {Urls} ({Scheme})")]
    private static partial void LogListening(ILogger logger, string urls, string scheme);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Operator credentials: {Problem}")]
    private static partial void LogCredentialsProblem(ILogger logger, string problem);
}
