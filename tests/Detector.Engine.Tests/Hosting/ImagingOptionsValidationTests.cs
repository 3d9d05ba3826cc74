using Detector.Imaging.Decoding;
using Microsoft.Extensions.Options;

namespace Detector.Engine.Tests.Hosting;

/// <summary>Imaging limits are checked when the host starts, not at the first image (where they would fail every request).</summary>
public sealed class ImagingOptionsValidationTests
{
    private static ImagingOptions Resolve(string key, string value) => EngineSettings.Resolve<ImagingOptions>(key, value);

    [Fact]
    public void MaxPixels_AboveWhatOneArrayHolds_FailsNamingTheSettingAndTheLimit()
    {
        string tooMany = (ImageSharpDecoder.MaxSupportedPixels + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        OptionsValidationException ex = Assert.Throws<OptionsValidationException>(() => Resolve("Imaging:MaxPixels", tooMany));

        Assert.Contains($"Imaging:MaxPixels must be at most {ImageSharpDecoder.MaxSupportedPixels}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxPixels_AtTheLimit_IsAcceptedAndTheDecoderTakesIt()
    {
        ImagingOptions options = Resolve("Imaging:MaxPixels", ImageSharpDecoder.MaxSupportedPixels.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ImageSharpDecoder.MaxSupportedPixels, options.MaxPixels);
        Assert.Null(Record.Exception(() => new ImageSharpDecoder(options)));
    }

    [Fact]
    public void MaxBytes_Zero_Fails()
    {
        OptionsValidationException ex = Assert.Throws<OptionsValidationException>(() => Resolve("Imaging:MaxBytes", "0"));

        Assert.Contains("MaxBytes and MaxPixels must be > 0", ex.Message, StringComparison.Ordinal);
    }
}
