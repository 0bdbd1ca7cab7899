using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace InferencePlanner.Web.Tests.Hosting;

/// <summary>The real request pipeline, in memory.</summary>
public sealed class AppHostTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task Health_ReportsHealthyWithTheCatalogLoaded()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("catalog").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("favicon.svg", "image/svg+xml")]
    [InlineData("app.css", "text/css")]
    [InlineData("images/logo.svg", "image/svg+xml")]
    public async Task StaticFile_FromTopLevelWwwroot_IsServedByteForByte(string file, string contentType)
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/" + file, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        var expected = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "wwwroot", file));
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/", "How many accelerators")]
    [InlineData("/catalog", "nvidia-h100-sxm")]
    [InlineData("/plan", "Plan")]
    [InlineData("/simulate", "Run")]
    [InlineData("/forecast", "Forecast")]
    [InlineData("/compare", "side by side")]
    [InlineData("/calibrate", "Calibrate")]
    public async Task Page_EveryDesignRoute_Answers(string route, string expectedText)
    {
        using var client = factory.CreateClient();

        var html = await client.GetStringAsync(new Uri(route, UriKind.Relative));

        Assert.Contains(expectedText, html, StringComparison.Ordinal);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.", html, StringComparison.Ordinal);
    }
}
