namespace InferencePlanner.Core.Catalog;

/// <summary>
/// The numeric precisions a model can run at: their names (one list for the validator, the projectors and the
/// command line), the bytes one weight or cache element takes, and which of a device's peaks applies.
/// </summary>
public static class Precisions
{
    public const string Fp32 = "fp32";
    public const string Fp16 = "fp16";
    public const string Bf16 = "bf16";
    public const string Fp8 = "fp8";
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The precision's own name.")]
    public const string Int8 = "int8";

    public static readonly string[] All = [Fp32, Fp16, Bf16, Fp8, Int8];

    public static bool IsKnown(string? precision) => precision is not null && All.Contains(precision, StringComparer.Ordinal);

    /// <summary>Bytes per element: 4 at fp32, 2 at fp16 and bf16, 1 at fp8 and int8.</summary>
    public static int BytesPerElement(string precision) => precision switch
    {
        Fp32 => 4,
        Fp16 or Bf16 => 2,
        Fp8 or Int8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, $"not one of {string.Join(", ", All)}"),
    };
}
