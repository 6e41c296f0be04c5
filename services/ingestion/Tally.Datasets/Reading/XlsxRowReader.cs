using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using ExcelDataReader;

namespace Tally.Datasets.Reading;

/// <summary>
/// Reads every sheet of an Excel Open XML workbook, row by row, through ExcelDataReader. The workbook must be
/// seekable (the engine spools uploads to a temporary file) and passes <see cref="ZipGuard"/> first.
/// </summary>
internal sealed class XlsxRowReader : IRowReader
{
    private static int _encodingsRegistered;
    private readonly IExcelDataReader _excel;
    private readonly long _length;
    private object?[] _values = new object?[32];
    private string?[] _text = new string?[32];
    private int _count;
    private bool _sheetOpen;
    private bool _finished;
    private long _sheetRow;

    private XlsxRowReader(IExcelDataReader excel, long length)
    {
        _excel = excel;
        _length = length;
    }

    public string? Sheet { get; private set; }

    public long RowNumber { get; private set; }

    public int CellCount => _count;

    public long BytesRead => _finished ? _length : 0;

    public string? Problem => null;

    public string? ProblemCode => null;

    public bool StartsSheet { get; private set; }

    /// <summary>Names of the workbook's sheets, in order.</summary>
    public IReadOnlyList<string> SheetNames { get; private set; } = [];

    public static XlsxRowReader Open(Stream seekable)
    {
        // ExcelDataReader's default fallback encoding is Windows-1252, which .NET only has once the code-page
        // provider (in-box since .NET Core 3.0, no package needed) is registered.
        if (Interlocked.Exchange(ref _encodingsRegistered, 1) == 0)
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        }

        IExcelDataReader? excel = null;
        try
        {
            excel = ExcelReaderFactory.CreateOpenXmlReader(seekable, new ExcelReaderConfiguration { LeaveOpen = true });
            var names = new List<string>();
            do
            {
                names.Add(excel.Name);
            }
            while (excel.NextResult()); // parses each sheet's start: damaged XML throws here too
            excel.Reset();
            return new XlsxRowReader(excel, seekable.Length) { SheetNames = names };
        }
        catch (Exception e) when (IsReaderFailure(e))
        {
            excel?.Dispose();
            throw new DatasetFormatException($"The workbook cannot be read: {e.Message.TrimEnd('.')}. Open it in Excel and save it again as .xlsx.", e);
        }
    }

    public string Cell(int index)
    {
        if (index >= _count)
        {
            return "";
        }

        return _text[index] ??= Format(_values[index]);
    }

    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            while (!_finished)
            {
                if (!_sheetOpen)
                {
                    Sheet = _excel.Name;
                    _sheetOpen = true;
                    _sheetRow = 0;
                }

                if (_excel.Read())
                {
                    _sheetRow++;
                    RowNumber = _sheetRow;
                    StartsSheet = _sheetRow == 1;
                    Load();
                    return ValueTask.FromResult(true);
                }

                _sheetOpen = false;
                if (!_excel.NextResult())
                {
                    _finished = true;
                }
            }
        }
        catch (Exception e) when (IsReaderFailure(e))
        {
            throw new DatasetFormatException($"Sheet '{Sheet}' row {_sheetRow + 1} cannot be read: {e.Message.TrimEnd('.')}. Open the workbook in Excel and save it again.", e);
        }

        return ValueTask.FromResult(false);
    }

    /// <summary>
    /// What ExcelDataReader throws on a damaged or hostile workbook: besides its own and XML errors, whatever its parsing
    /// meets (int.Parse of a missing or huge sheetId, a missing part, a cell reference out of range). Each means the
    /// file cannot be read, which is INVALID_ARGUMENT for the upload, not a failure of the service.
    /// </summary>
    private static bool IsReaderFailure(Exception e) => e is InvalidDataException or ExcelDataReader.Exceptions.HeaderException
        or ExcelDataReader.Exceptions.ExcelReaderException or InvalidOperationException or System.Xml.XmlException or FormatException
        or OverflowException or ArgumentException or IndexOutOfRangeException or NullReferenceException or InvalidCastException
        or KeyNotFoundException;

    private void Load()
    {
        var n = _excel.FieldCount;
        if (n > _values.Length)
        {
            _values = new object?[n];
            _text = new string?[n];
        }

        // Trailing empty cells are not cells: a row is as wide as its last non-empty cell.
        _count = 0;
        for (var i = 0; i < n; i++)
        {
            _values[i] = _excel.GetValue(i);
            _text[i] = null;
            if (_values[i] is not null && !(_values[i] is string s && s.Length == 0))
            {
                _count = i + 1;
            }
        }
    }

    /// <summary>Cell values as text a spec can parse: numbers invariant and round-trippable, dates ISO.</summary>
    internal static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        double d when Math.Abs(d) < 1e15 && d == Math.Floor(d) => ((long)d).ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime dt when dt.TimeOfDay == TimeSpan.Zero => dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        bool b => b ? "TRUE" : "FALSE",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public ValueTask DisposeAsync()
    {
        _excel.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Refuses files that are not workbooks and zip bombs before any XML is parsed: the file must be a zip with
/// xl/workbook.xml; every part's declared size, the total, and the compression ratio are checked, then every
/// part is inflated once with a hard cap (declared sizes can lie).
/// </summary>
internal static class ZipGuard
{
    public static void Check(Stream seekable, ReaderLimits limits, string fileName)
    {
        Span<byte> magic = stackalloc byte[8];
        seekable.Position = 0;
        var n = seekable.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        seekable.Position = 0;
        if (n == 0)
        {
            throw new DatasetFormatException($"'{fileName}' is empty: there is nothing to load.");
        }

        if (n >= 4 && magic[0] == 0xD0 && magic[1] == 0xCF && magic[2] == 0x11 && magic[3] == 0xE0)
        {
            throw new DatasetFormatException($"'{fileName}' is a legacy .xls workbook or an encrypted workbook, not .xlsx. Open it in Excel, remove any password, and save it as .xlsx.");
        }

        if (n < 4 || magic[0] != 'P' || magic[1] != 'K' || magic[2] != 3 || magic[3] != 4)
        {
            throw new DatasetFormatException($"'{fileName}' is not an .xlsx workbook (an .xlsx file is a zip archive, and this file does not start like one). If it is CSV or TSV, upload it with that format.");
        }

        CheckDirectory(seekable, limits, fileName);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetFormatException($"'{fileName}' starts like a zip archive but is damaged ({e.Message.TrimEnd('.')}); it is probably cut short. Upload the complete file.", e);
        }

        using (zip)
        {
            ZipArchiveEntry? workbook;
            try
            {
                // The central directory is read here, not by the constructor: a damaged one throws now.
                workbook = zip.GetEntry("xl/workbook.xml");
            }
            catch (InvalidDataException e)
            {
                throw new DatasetFormatException($"'{fileName}' starts like a zip archive but its directory is damaged ({e.Message.TrimEnd('.')}); it is probably cut short. Upload the complete file.", e);
            }

            if (workbook is null)
            {
                throw new DatasetFormatException($"'{fileName}' is a zip archive but not an Excel workbook (it has no xl/workbook.xml).");
            }

            if (zip.Entries.Count > limits.MaxXlsxEntries)
            {
                throw TooManyEntries(fileName, zip.Entries.Count, limits);
            }

            long total = 0;
            foreach (var entry in zip.Entries)
            {
                total += entry.Length;
                if (entry.Length > limits.MaxXlsxEntryBytes || total > limits.MaxXlsxUncompressedBytes)
                {
                    throw new DatasetLimitException(
                        $"'{fileName}' would inflate to more than the limit ({(entry.Length > limits.MaxXlsxEntryBytes ? $"part '{entry.FullName}' declares {entry.Length:N0} bytes, limit {limits.MaxXlsxEntryBytes:N0}" : $"{total:N0} bytes in all, limit {limits.MaxXlsxUncompressedBytes:N0}")}); it is refused as a possible zip bomb. Split the workbook or export the sheets as CSV.");
                }

                if (entry.Length > 1 << 20 && entry.CompressedLength > 0 && entry.Length / entry.CompressedLength > limits.MaxXlsxCompressionRatio)
                {
                    throw new DatasetLimitException(
                        $"'{fileName}' part '{entry.FullName}' compresses {entry.Length / entry.CompressedLength:N0}:1 (limit {limits.MaxXlsxCompressionRatio}:1); it is refused as a possible zip bomb.");
                }
            }

            var buffer = new byte[81920];
            foreach (var entry in zip.Entries)
            {
                long inflated = 0;
                try
                {
                    using var part = entry.Open();
                    int read;
                    while ((read = part.Read(buffer)) > 0)
                    {
                        inflated += read;
                        if (inflated > entry.Length || inflated > limits.MaxXlsxEntryBytes)
                        {
                            throw new DatasetLimitException(
                                $"'{fileName}' part '{entry.FullName}' inflates beyond its declared size of {entry.Length:N0} bytes; it is refused as a possible zip bomb.");
                        }
                    }
                }
                catch (InvalidDataException e)
                {
                    throw new DatasetFormatException($"'{fileName}' part '{entry.FullName}' is damaged ({e.Message.TrimEnd('.')}). Upload the complete file.", e);
                }
            }
        }

        seekable.Position = 0;
    }

    /// <summary>Bytes of central directory allowed per permitted entry (a real entry takes 46 bytes plus a short name).</summary>
    private const int DirectoryBytesPerEntry = 1024;

    /// <summary>
    /// Reads the zip's end-of-central-directory record (and its zip64 form) and refuses an archive that declares more
    /// than MaxXlsxEntries parts, or a central directory larger than they need, before <see cref="ZipArchive"/> reads
    /// the directory into memory (a few hundred bytes per entry: a 100 MB file of empty parts would cost gigabytes).
    /// A missing or damaged record is left for ZipArchive to report.
    /// </summary>
    private static void CheckDirectory(Stream seekable, ReaderLimits limits, string fileName)
    {
        const int EocdSize = 22;
        var length = seekable.Length;
        if (length < EocdSize)
        {
            return;
        }

        var tailLength = (int)Math.Min(length, EocdSize + ushort.MaxValue);
        var tail = new byte[tailLength];
        seekable.Position = length - tailLength;
        seekable.ReadExactly(tail);
        seekable.Position = 0;
        var at = -1;
        for (var i = tailLength - EocdSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == 0x06054b50)
            {
                at = i;
                break;
            }
        }

        if (at < 0)
        {
            return;
        }

        var eocdPosition = length - tailLength + at;
        long entries = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(at + 10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at + 12));
        long directoryStart = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at + 16));
        if ((entries == 0xFFFF || directorySize == 0xFFFFFFFF || directoryStart == 0xFFFFFFFF)
            && at >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at - 20)) == 0x07064b50)
        {
            // zip64: the locator (20 bytes before the record) points at the zip64 end-of-central-directory record.
            var zip64 = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(at - 20 + 8));
            if (zip64 >= 0 && zip64 <= length - 56)
            {
                var record = new byte[56];
                seekable.Position = zip64;
                seekable.ReadExactly(record);
                seekable.Position = 0;
                if (BinaryPrimitives.ReadUInt32LittleEndian(record) == 0x06064b50)
                {
                    entries = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
                    directorySize = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)), long.MaxValue);
                    directoryStart = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48)), long.MaxValue);
                    eocdPosition = zip64;
                }
            }
        }

        if (entries > limits.MaxXlsxEntries)
        {
            throw TooManyEntries(fileName, entries, limits);
        }

        var budget = (long)limits.MaxXlsxEntries * DirectoryBytesPerEntry;
        var span = directoryStart < eocdPosition ? eocdPosition - directoryStart : 0;
        if (directorySize > budget || span > budget)
        {
            throw new DatasetLimitException(
                $"'{fileName}' has a zip directory of {Math.Max(directorySize, span):N0} bytes, more than {limits.MaxXlsxEntries:N0} workbook parts need; it is refused as a possible zip bomb.");
        }
    }

    private static DatasetLimitException TooManyEntries(string fileName, long entries, ReaderLimits limits) => new(
        $"'{fileName}' holds {entries:N0} parts, more than the limit of {limits.MaxXlsxEntries:N0} (Tally:Datasets:MaxXlsxEntries); it is refused as a possible zip bomb. Export the sheets as CSV, or split the workbook.");
}
