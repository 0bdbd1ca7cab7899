using System.Text.Json.Serialization;

namespace InferencePlanner.Core.Catalog;

[JsonConverter(typeof(JsonStringEnumConverter<PricingModel>))]
public enum PricingModel
{
    [JsonStringEnumMemberName("on-demand")] OnDemand,
    [JsonStringEnumMemberName("reserved-1y")] Reserved1Year,
    [JsonStringEnumMemberName("reserved-3y")] Reserved3Year,
    [JsonStringEnumMemberName("spot")] Spot,
    [JsonStringEnumMemberName("capacity-block")] CapacityBlock,
}

/// <summary>A cloud list price, per accelerator-hour.</summary>
public sealed record Price
{
    public required string DeviceId { get; init; }
    public required string Provider { get; init; }
    public required string InstanceType { get; init; }
    public required int AcceleratorsPerInstance { get; init; }
    public required string Region { get; init; }
    public string? RegionNote { get; init; }
    public required PricingModel Pricing { get; init; }
    public required Fact UsdPerAcceleratorHour { get; init; }
    public string? Note { get; init; }
}
