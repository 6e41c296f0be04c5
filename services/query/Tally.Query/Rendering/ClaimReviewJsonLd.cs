using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tally.Query.V1;

namespace Tally.Query.Rendering;

/// <summary>schema.org ClaimReview (https://schema.org/ClaimReview) as a JSON-LD document for a checked claim.</summary>
public static partial class ClaimReviewJsonLd
{
    public static string Build(CheckClaimRequest request, Verdict verdict, string explanation, Answer answer, DateOnly reviewed)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(answer);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("@context", "https://schema.org");
            json.WriteString("@type", "ClaimReview");
            json.WriteString("datePublished", reviewed.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString("claimReviewed", request.Claim);
            json.WriteStartObject("author");
            json.WriteString("@type", "Organization");
            json.WriteString("name", "Tally");
            json.WriteEndObject();
            json.WriteString("reviewBody", explanation);

            json.WriteStartObject("reviewRating");
            json.WriteString("@type", "Rating");
            if (ClaimChecker.RatingValue(verdict) is { } rating)
            {
                json.WriteNumber("ratingValue", rating);
                json.WriteNumber("bestRating", 5);
                json.WriteNumber("worstRating", 1);
            }

            json.WriteString("alternateName", ClaimChecker.VerdictWords(verdict));
            json.WriteString("ratingExplanation", explanation);
            json.WriteEndObject();

            json.WriteStartObject("itemReviewed");
            json.WriteString("@type", "Claim");
            if (request.Claimant.Length > 0)
            {
                json.WriteStartObject("author");
                json.WriteString("@type", LooksLikeOrganization(request.Claimant) ? "Organization" : "Person");
                json.WriteString("name", request.Claimant);
                json.WriteEndObject();
            }

            if (request.ClaimDate.Length > 0)
            {
                json.WriteString("datePublished", request.ClaimDate);
            }

            if (request.ClaimUrl.Length > 0)
            {
                json.WriteStartObject("appearance");
                json.WriteString("@type", "CreativeWork");
                json.WriteString("url", request.ClaimUrl);
                json.WriteEndObject();
            }

            json.WriteEndObject();

            if (answer.Citations.Count > 0)
            {
                json.WriteStartArray("citation");
                foreach (var r in answer.Citations.OrderBy(r => r.Number))
                {
                    json.WriteStartObject();
                    json.WriteString("@type", "CreativeWork");
                    json.WriteString("name", r.Title);
                    if (r.Publisher.Length > 0)
                    {
                        json.WriteString("publisher", r.Publisher);
                    }

                    var url = r.Link.Length > 0 ? r.Link : r.Url;
                    if (url.Length > 0)
                    {
                        json.WriteString("url", url);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool LooksLikeOrganization(string name) => OrganizationRegex().IsMatch(name);

    [GeneratedRegex(@"\b(?:[A-Z]{2,}|News|Times|Post|Journal|Network|Agency|Department|Office|Committee|Council|Party|Campaign|Institute|Center|Centre|Foundation|Inc|LLC|Press|Media|TV|Radio)\b", RegexOptions.CultureInvariant)]
    private static partial Regex OrganizationRegex();
}
