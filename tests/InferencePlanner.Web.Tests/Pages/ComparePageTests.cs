using ComparePage = InferencePlanner.Web.Components.Pages.Compare;

namespace InferencePlanner.Web.Tests.Pages;

public sealed class ComparePageTests
{
    [Theory]
    [InlineData(4, 6, "N0", "+2")]
    [InlineData(192.5, 7.5, "N1", "\u2212185.0")]
    [InlineData(35_911, 10_410, "N0", "\u221225,501")]
    [InlineData(676.04, 676.01, "N1", null)] // prints alike at one decimal: no note
    [InlineData(10, 10, "N0", null)]
    public void FormatDelta_IsTheSignedDifference_AtTheRowsPrecision(double first, double value, string format, string? expected)
    {
        Assert.Equal(expected, ComparePage.FormatDelta(first, value, format));
    }
}
