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

/// <summary>
/// The pricing names scenarios and the catalog use (the <see cref="PricingModel"/> members' JSON names): one list
/// for the scenario validator, the pricer, the catalog's checks and the pages.
/// </summary>
public static class Pricings
{
    public const string OnDemand = "on-demand";
    public const string Reserved1Year = "reserved-1y";
    public const string Reserved3Year = "reserved-3y";
    public const string Spot = "spot";
    public const string CapacityBlock = "capacity-block";

    /// <summary>What a scenario's pool may be billed at (capacity blocks are catalog entries, not a scenario choice).</summary>
    public static readonly string[] ForScenarios = [OnDemand, Reserved1Year, Reserved3Year, Spot];

    /// <summary>Every pricing of the catalog.</summary>
    public static readonly string[] All = [OnDemand, Reserved1Year, Reserved3Year, Spot, CapacityBlock];

    public static string NameOf(PricingModel pricing) => pricing switch
    {
        PricingModel.OnDemand => OnDemand,
        PricingModel.Reserved1Year => Reserved1Year,
        PricingModel.Reserved3Year => Reserved3Year,
        PricingModel.Spot => Spot,
        PricingModel.CapacityBlock => CapacityBlock,
        _ => pricing.ToString(), // an undefined value, named in the catalog check's message
    };
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
