namespace Detector.Imaging.Decoding;

/// <summary>Why an input image was refused. Each maps to a client error, never to a server fault.</summary>
public enum ImageRejection
{
    /// <summary>No bytes at all.</summary>
    Empty,
    /// <summary>More bytes than <see cref="ImagingOptions.MaxBytes"/>.</summary>
    TooManyBytes,
    /// <summary>Declared width × height over <see cref="ImagingOptions.MaxPixels"/> (decompression bomb guard).</summary>
    TooManyPixels,
    /// <summary>Not one of the accepted container formats (or not an image at all).</summary>
    UnsupportedFormat,
    /// <summary>Recognised format, but the data is truncated or malformed.</summary>
    Corrupt,
}

/// <summary>An input image that cannot be scored, with a reason a client can act on.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(ImageRejection rejection, string message, Exception? inner = null)
        : base(message, inner)
    {
        Rejection = rejection;
    }

    public ImageRejection Rejection { get; }
}
