using System.Text.Json;

namespace InferencePlanner.Cli.Tests;

public sealed class AccuracyCommandTests
{
    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliRun.Capture(args);

    /// <summary>A runs file of the shipped first stage with <paramref name="column"/> set to <paramref name="value"/> (the caller deletes it).</summary>
    private static string FirstRunWith(string column, string value)
    {
        var shipped = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "data", "measured", "vllm-h100-runs.csv"));
        var row = shipped[1].Split(',');
        row[Array.IndexOf(shipped[0].Split(','), column)] = value;
        var file = Path.Combine(Path.GetTempPath(), $"runs-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(file, [shipped[0], string.Join(',', row)]);
        return file;
    }

    [Fact]
    public void Accuracy_PrintsEveryStage_MeasuredBesideSimulated()
    {
        var (code, stdout, stderr) = Run("accuracy", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var stages = json.RootElement.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(12, stages.Count);
        var first = stages[0];
        Assert.Equal(25.04, first.GetProperty("ttftMeanMs").GetProperty("measured").GetDouble(), 9);
        var e2e = first.GetProperty("e2eMeanMs");
        Assert.Equal((e2e.GetProperty("simulated").GetDouble() - 1810) / 1810, e2e.GetProperty("error").GetDouble(), 9);
        Assert.Contains("replaying: 12 of 12 stages", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Accuracy_Markdown_EndsWithTheMedians()
    {
        var (code, stdout, _) = Run("accuracy");

        Assert.Equal(0, code);
        Assert.StartsWith("| stage | model | TP | req/s |", stdout, StringComparison.Ordinal);
        Assert.Contains("Median absolute error over the", stdout, StringComparison.Ordinal);
        Assert.Contains("Overloaded stages called unstable: 2 of 2", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Accuracy_AStageThatCannotBeReplayed_IsARowSayingWhy_AndNoStageComparedIsNoMedian()
    {
        var file = FirstRunWith("model", "google/gemma-7b");
        try
        {
            var (code, stdout, stderr) = Run("accuracy", "--runs", file, "--json");

            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            var stage = Assert.Single(json.RootElement.GetProperty("stages").EnumerateArray());
            Assert.Contains("'gemma-7b' is not a model preset", stage.GetProperty("notReplayed").GetString(), StringComparison.Ordinal);
            // No median where nothing was compared: left out (the contract omits what is unknown), never NaN.
            Assert.Empty(json.RootElement.GetProperty("median").EnumerateObject());
            Assert.Equal((0, 1), (json.RootElement.GetProperty("comparedStages").GetInt32(), json.RootElement.GetProperty("notReplayedStages").GetInt32()));

            var (_, table, _) = Run("accuracy", "--runs", file);
            Assert.Contains("| not replayed: $.pools[0].llm.model: 'gemma-7b' is not a model preset", table, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Accuracy_MissingRuns_IsAPlainError()
    {
        var (code, _, stderr) = Run("accuracy", "--runs", "/nonexistent/runs.csv");

        Assert.Equal(CliApp.InvalidInput, code);
        Assert.Equal("error: --runs: '/nonexistent/runs.csv' does not exist", stderr.Trim());
    }

    [Fact]
    public void Accuracy_ABadRunsFile_NamesTheLineAndTheColumn()
    {
        var file = FirstRunWith("rate_per_s", "fast");
        try
        {
            var (code, _, stderr) = Run("accuracy", "--runs", file);

            Assert.Equal(CliApp.InvalidInput, code);
            Assert.Contains("line 2, rate_per_s: 'fast' is not a finite, non-negative number", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
