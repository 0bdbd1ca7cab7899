using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Calibration.Tests;

public sealed class OnnxRuntimeTests
{
    [Fact]
    public void NativeRuntime_LoadsOnThisMachine_WithTheCpuProvider()
    {
        // The native library is part of the package; if it cannot load here, no profile can be measured.
        var providers = OrtEnv.Instance().GetAvailableProviders();

        Assert.Contains("CPUExecutionProvider", providers);
        Assert.False(string.IsNullOrWhiteSpace(OrtEnv.Instance().GetVersionString()));
    }
}
