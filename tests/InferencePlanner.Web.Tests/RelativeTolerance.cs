namespace InferencePlanner.Web.Tests;

/// <summary>Doubles equal within a relative tolerance (for sequences compared with Assert.Equal).</summary>
internal sealed class RelativeTolerance(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(Math.Abs(x), Math.Abs(y));

    public int GetHashCode(double obj) => 0;
}
