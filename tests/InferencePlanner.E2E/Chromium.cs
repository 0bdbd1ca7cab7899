using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>Debian's Chromium for every browser test, and where their screenshots and timing reports go.</summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = Args });

    /// <summary>A file under <c>TestResults/screenshots/</c> (or the folder INFERENCEPLANNER_TEST_RESULTS names), its folder created.</summary>
    public static string Artifact(string fileName)
    {
        var results = Environment.GetEnvironmentVariable("INFERENCEPLANNER_TEST_RESULTS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryPaths.Root, "TestResults");
        var folder = Directory.CreateDirectory(Path.Combine(results, "screenshots")).FullName;
        return Path.Combine(folder, fileName);
    }
}
