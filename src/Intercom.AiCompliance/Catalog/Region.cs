using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// A data-residency jurisdiction: where a workspace is hosted, or where a deployment may process data.
/// </summary>
/// <remarks>
/// Regions are open-ended: <see cref="US"/>, <see cref="EU"/> and <see cref="AU"/> are the ones the platform
/// offers today, and a host can add more with <see cref="Parse"/>. Codes are upper-case ASCII letters and
/// compared ordinally, so "eu" and "EU" are the same region.
/// </remarks>
[TypeConverter(typeof(RegionTypeConverter))]
[System.Text.Json.Serialization.JsonConverter(typeof(RegionJsonConverter))]
public readonly struct Region : IEquatable<Region>, IComparable<Region>
{
    private readonly string? _code;

    private Region(string code) => _code = code;

    /// <summary>United States: the platform's default hosting, which makes no residency promise.</summary>
    public static Region US { get; } = new("US");

    /// <summary>European Union regional hosting: Input stays in the EU, with EU-listed subprocessors only.</summary>
    public static Region EU { get; } = new("EU");

    /// <summary>Australian regional hosting: Input stays in Australia.</summary>
    public static Region AU { get; } = new("AU");

    /// <summary>The region code, such as <c>EU</c>; empty for the default (unknown) value.</summary>
    public string Code => _code ?? string.Empty;

    /// <summary><see langword="true"/> for <c>default(Region)</c>, which is never a valid region and always excludes.</summary>
    public bool IsUnknown => _code is null;

    /// <summary>Parses a region code such as <c>EU</c> or <c>au</c>.</summary>
    /// <exception cref="FormatException">The code is not 2 to 8 ASCII letters.</exception>
    public static Region Parse(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return TryParse(code, out var region)
            ? region
            : throw new FormatException($"'{code}' is not a region code: use 2 to 8 letters, such as US, EU or AU.");
    }

    /// <summary>Parses a region code without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? code, out Region region)
    {
        region = default;
        if (string.IsNullOrWhiteSpace(code))
        {
            return false;
        }

        var trimmed = code.Trim();
        if (trimmed.Length is < 2 or > 8)
        {
            return false;
        }

        foreach (var c in trimmed)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        var upper = trimmed.ToUpperInvariant();
        region = upper switch
        {
            "US" => US,
            "EU" => EU,
            "AU" => AU,
            _ => new Region(string.Intern(upper)),
        };
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Region other) => string.Equals(_code, other._code, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Region other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _code is null ? 0 : StringComparer.Ordinal.GetHashCode(_code);

    /// <inheritdoc/>
    public int CompareTo(Region other) => string.CompareOrdinal(_code, other._code);

    /// <inheritdoc/>
    public override string ToString() => _code ?? "(unknown)";

    /// <summary>Compares two regions by code.</summary>
    public static bool operator ==(Region left, Region right) => left.Equals(right);

    /// <summary>Compares two regions by code.</summary>
    public static bool operator !=(Region left, Region right) => !left.Equals(right);
}

/// <summary>Lets configuration bind region codes such as <c>"EU"</c>.</summary>
public sealed class RegionTypeConverter : TypeConverter
{
    /// <inheritdoc/>
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    /// <inheritdoc/>
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string s ? Region.Parse(s) : base.ConvertFrom(context, culture, value);

    /// <inheritdoc/>
    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is Region r ? r.Code : base.ConvertTo(context, culture, value, destinationType);
}
