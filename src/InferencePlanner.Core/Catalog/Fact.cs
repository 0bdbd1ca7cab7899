using System.Text.Json.Serialization;

namespace InferencePlanner.Core.Catalog;

/// <summary>
/// One number of the catalog with its provenance. Either <see cref="Value"/> is known (and then
/// <see cref="Source"/> names where it comes from), or it is unknown and <see cref="Assumption"/> says
/// why and what the product uses instead (<see cref="Assumed"/>, which may itself be absent when no
/// stand-in is defensible).
/// </summary>
public sealed record Fact
{
    public double? Value { get; init; }

    /// <summary>Key into the catalog's sources.</summary>
    public string? Source { get; init; }

    /// <summary>Date of this value when it differs from its source's date.</summary>
    public string? AsOf { get; init; }

    public string? Note { get; init; }

    public string? Assumption { get; init; }

    public double? Assumed { get; init; }

    [JsonIgnore]
    public bool IsKnown => Value.HasValue;

    /// <summary>The number the product computes with: the sourced value, else the stated assumption.</summary>
    [JsonIgnore]
    public double? Effective => Value ?? Assumed;

    public static Fact Known(double value, string source, string? asOf = null, string? note = null) =>
        new() { Value = value, Source = source, AsOf = asOf, Note = note };

    public static Fact Unknown(string assumption, double? assumed = null, string? source = null) =>
        new() { Assumption = assumption, Assumed = assumed, Source = source };
}
