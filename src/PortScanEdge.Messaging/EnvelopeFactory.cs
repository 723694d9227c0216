using PortScanEdge.Core.Transactions;
using PortScanEdge.Messaging.Contracts;

namespace PortScanEdge.Messaging;

/// <summary>Builds the serialised <see cref="MessageEnvelope"/> of a message once its id and sequence are known.</summary>
public sealed class EnvelopeFactory(string siteId, string gatewayId)
{
    /// <summary>Site id written to every envelope.</summary>
    public string SiteId { get; } = siteId;

    /// <summary>Gateway id written to every envelope.</summary>
    public string GatewayId { get; } = gatewayId;

    /// <summary>The envelope object.</summary>
    public MessageEnvelope Create(string schema, string? laneId, long sequence, string messageId, DateTimeOffset sentAt, object data) => new()
    {
        Schema = schema,
        MessageId = messageId,
        SentAt = sentAt,
        SiteId = SiteId,
        GatewayId = GatewayId,
        LaneId = laneId,
        Sequence = sequence,
        Data = data,
    };

    /// <summary>The envelope as UTF-8 JSON (<see cref="TransactionJson"/>).</summary>
    public byte[] Serialize(string schema, string? laneId, long sequence, string messageId, DateTimeOffset sentAt, object data) =>
        TransactionJson.SerializeToUtf8Bytes(Create(schema, laneId, sequence, messageId, sentAt, data));
}
