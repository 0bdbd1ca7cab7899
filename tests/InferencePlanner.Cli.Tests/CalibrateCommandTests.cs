using System.Text.Json;
using Google.Protobuf;
using InferencePlanner.Calibration.Models;

namespace InferencePlanner.Cli.Tests;

public sealed class CalibrateCommandTests
{
    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliRun.Capture(args);

    private static TempFile Save(GraphBuilder graph)
    {
        var file = TempFile.Create(".onnx");
        File.WriteAllBytes(file.Path, graph.Build("test").ToByteArray());
        return file;
    }

    [Fact]
    public void Calibrate_ZooModel_PrintsAMeasuredProfile()
    {
        var (code, stdout, stderr) = Run("calibrate", "--model", "mlp", "--batches", "1,2", "--threads", "1", "--seconds-per-batch", "0.05");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("measured", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("points").GetArrayLength());
        Assert.Equal(1, json.RootElement.GetProperty("provenance").GetProperty("threads").GetInt32());
        Assert.Contains("calibrating: 100 %", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_UserOnnxFile_IsProfiledInAChildProcess()
    {
        var graph = new GraphBuilder("user");
        var x = graph.Input("x", "n", 64);
        graph.Rename(graph.Node("Relu", [graph.Node("MatMul", [x, graph.Weight("w", [64, 32])])]), "y");
        graph.Output("y", "n", 32);
        using var file = Save(graph);

        var (code, stdout, stderr) = Run("calibrate", "--model", file.Path, "--batches", "1,4", "--threads", "1", "--seconds-per-batch", "0.05");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(2.0 * 64 * 32 + 32, json.RootElement.GetProperty("flopsPerItem").GetDouble());
        Assert.Contains("child process", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_GarbageFile_ExitsTwoWithAClearError()
    {
        using var file = TempFile.Create(".onnx");
        File.WriteAllBytes(file.Path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37)).ToArray());

        var (code, stdout, stderr) = Run("calibrate", "--model", file.Path, "--batches", "1");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("not an ONNX model", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_ModelThatExhaustsMemory_IsStoppedAtTheLimit_AndThisProcessCarriesOn()
    {
        // Expand a [n, 1] input to [n, 2³⁰] floats: 4 GiB for one item.
        var graph = new GraphBuilder("hostile");
        var x = graph.Input("x", "n", 1);
        graph.Rename(graph.Node("Expand", [x, graph.Int64s("shape", 1, 1L << 30)]), "y");
        graph.Output("y", "n", 1L << 30);
        using var file = Save(graph);

        var (code, _, stderr) = Run("calibrate", "--model", file.Path, "--batches", "1", "--memory-limit-mb", "400", "--timeout-seconds", "120");

        Assert.Equal(2, code);
        Assert.Contains("over the limit of", stderr, StringComparison.Ordinal);
        // Still here, and still working.
        Assert.Equal(0, Run("catalog", "regions").ExitCode);
    }

    [Fact]
    public void Calibrate_ModelRunningPastTheTimeLimit_IsStopped()
    {
        var graph = new GraphBuilder("slow");
        var x = graph.Input("x", "n", 2048);
        graph.Rename(graph.Node("MatMul", [x, graph.Weight("w", [2048, 2048])]), "y");
        graph.Output("y", "n", 2048);
        using var file = Save(graph);

        // Hundreds of runs of a 2048-wide product at batches up to 512 take far longer than 2 s.
        var (code, _, stderr) = Run("calibrate", "--model", file.Path, "--batches", "128,256,512", "--seconds-per-batch", "30", "--timeout-seconds", "2");

        Assert.Equal(2, code);
        Assert.Contains("longer than the limit", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--batches", "0")]
    [InlineData("--batches", "two")]
    [InlineData("--threads", "0")]
    public void Calibrate_BadOption_ExitsTwoNamingIt(string option, string value)
    {
        var (code, _, stderr) = Run("calibrate", "--model", "mlp", option, value);

        Assert.Equal(2, code);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_UnknownModel_ExitsTwo()
    {
        var (code, _, stderr) = Run("calibrate", "--model", "gpt-9");

        Assert.Equal(2, code);
        Assert.Contains("neither a zoo model", stderr, StringComparison.Ordinal);
    }

    private sealed class TempFile(string path) : IDisposable
    {
        public string Path { get; } = path;

        public static TempFile Create(string extension) =>
            new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ip-model-{Guid.NewGuid():N}{extension}"));

        public void Dispose() => File.Delete(Path);
    }
}
