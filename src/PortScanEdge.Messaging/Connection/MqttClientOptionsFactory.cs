using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Messaging.Connection;

/// <summary>What the broker keeps as the gateway's Last Will.</summary>
/// <param name="Topic">Availability topic.</param>
/// <param name="Payload">The offline envelope.</param>
public sealed record LastWill(string Topic, byte[] Payload);

/// <summary>
/// Turns the <c>mqtt:</c> section into MQTTnet client options for one broker: protocol, clean start,
/// keep-alive, credentials resolved from <c>${ENV}</c> / <c>file:</c> references, Last Will, and TLS with a CA
/// file, optional client certificate and key (mutual TLS) and host-name validation.
/// </summary>
public static class MqttClientOptionsFactory
{
    /// <summary>The client id: <c>mqtt.client_id</c>, or <c>portscan-edge-{gateway.id}</c>.</summary>
    public static string ClientId(PortScanEdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Mqtt.ClientId.Length > 0 ? options.Mqtt.ClientId : "portscan-edge-" + options.Gateway.Id;
    }

    /// <summary>Builds the options for one connection attempt.</summary>
    public static MqttClientOptions Create(PortScanEdgeOptions options, BrokerEndpoint endpoint, LastWill? will)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoint);
        var mqtt = options.Mqtt;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(endpoint.Host, endpoint.Port)
            .WithClientId(ClientId(options))
            .WithProtocolVersion(mqtt.Protocol == MqttProtocol.V311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(mqtt.KeepAlive)
            .WithTimeout(mqtt.ConnectTimeout);
        if (mqtt.Username.Length > 0)
        {
            var password = string.Empty;
            if (mqtt.Password is not null && !mqtt.Password.TryResolve(out password, out var error))
            {
                throw new InvalidOperationException("mqtt.password: " + error);
            }

            builder.WithCredentials(mqtt.Username, password);
        }

        if (will is not null)
        {
            builder.WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload)
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (mqtt.Protocol == MqttProtocol.V5)
            {
                builder.WithWillContentType("application/json")
                    .WithWillPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);
            }
        }

        if (endpoint.UseTls)
        {
            builder.WithTlsOptions(CreateTls(options, endpoint));
        }

        return builder.Build();
    }

    private static MqttClientTlsOptions CreateTls(PortScanEdgeOptions options, BrokerEndpoint endpoint)
    {
        var tls = options.Mqtt.Tls;
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithTargetHost(endpoint.Host)
            .WithSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13);

        X509Certificate2Collection? authorities = null;
        if (tls.CaFile.Length > 0)
        {
            authorities = [];
            authorities.ImportFromPemFile(options.ResolvePath(tls.CaFile));
        }

        var validateHostname = tls.ValidateHostname;
        builder.WithCertificateValidationHandler(args => Validate(args.Certificate, args.SslPolicyErrors, authorities, validateHostname));

        if (tls.CertFile.Length > 0)
        {
            var certFile = options.ResolvePath(tls.CertFile);
            var keyFile = options.ResolvePath(tls.KeyFile);
            X509Certificate2 certificate;
            if (tls.KeyPassphrase is not null)
            {
                if (!tls.KeyPassphrase.TryResolve(out var passphrase, out var error))
                {
                    throw new InvalidOperationException("mqtt.tls.key_passphrase: " + error);
                }

                certificate = X509Certificate2.CreateFromEncryptedPemFile(certFile, passphrase, keyFile);
            }
            else
            {
                certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            }

            builder.WithClientCertificates([certificate]);
        }

        return builder.Build();
    }

    /// <summary>
    /// Accepts the broker's certificate when its chain ends at the configured CA (or, without one, the system
    /// trust store) and, unless turned off, its names include the host connected to.
    /// </summary>
    internal static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? authorities, bool validateHostname)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        if (validateHostname && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        if (authorities is null)
        {
            return !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors);
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
