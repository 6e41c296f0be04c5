using System.Collections.Generic;
using System.Text;

namespace Tally.Grpc.Generator;

/// <summary>
/// A small .proto reader: package, options, imports, message names (with nesting) and services.
/// Field definitions are skipped: protoc (Grpc.Tools) validates the file; this only needs the shape.
/// </summary>
internal sealed class ProtoParser
{
    private readonly List<Token> _tokens;
    private readonly ProtoFile _file;
    private int _next;

    private ProtoParser(string path, string text)
    {
        _file = new ProtoFile(path);
        _tokens = Tokenize(text);
    }

    public static ProtoFile Parse(string path, string text)
    {
        var parser = new ProtoParser(path, text);
        try
        {
            parser.ParseFile();
        }
        catch (ParseException ex)
        {
            parser._file.Error = new ProtoError(ex.Message, ex.Position);
        }
        return parser._file;
    }

    private void ParseFile()
    {
        while (_next < _tokens.Count)
        {
            var token = Take();
            switch (token.Text)
            {
                case ";":
                    break;
                case "syntax":
                case "edition":
                    SkipStatement();
                    break;
                case "package":
                    _file.Package = TakeName("a package name");
                    Expect(";");
                    break;
                case "import":
                    if (Peek().Text is "public" or "weak")
                    {
                        Take();
                    }
                    _file.Imports.Add(TakeString());
                    Expect(";");
                    break;
                case "option":
                    ParseFileOption();
                    break;
                case "message":
                    ParseMessage(prefix: "");
                    break;
                case "enum":
                case "extend":
                    TakeName("a name");
                    SkipBlock();
                    break;
                case "service":
                    ParseService();
                    break;
                default:
                    throw Error(token, $"unexpected '{token.Text}' at the top level");
            }
        }
    }

    private void ParseFileOption()
    {
        var name = TakeOptionName();
        Expect("=");
        if (name == "csharp_namespace")
        {
            _file.CSharpNamespaceOption = TakeString();
            Expect(";");
        }
        else
        {
            SkipStatement();
        }
    }

    private void ParseMessage(string prefix)
    {
        var name = prefix + TakeName("a message name");
        _file.Messages.Add(name);
        Expect("{");
        var depth = 1;
        while (depth > 0)
        {
            var token = Take();
            if (token.Text == "{")
            {
                depth++;
            }
            else if (token.Text == "}")
            {
                depth--;
            }
            else if (depth == 1 && token.Text == "message" && Peek().IsName && Peek(1).Text == "{")
            {
                ParseMessage(name + ".");
            }
        }
    }

    private void ParseService()
    {
        var nameToken = Peek();
        var service = new ProtoService(TakeName("a service name"), _file.Services.Count, nameToken.Position);
        _file.Services.Add(service);
        Expect("{");
        while (true)
        {
            var token = Take();
            switch (token.Text)
            {
                case "}":
                    return;
                case ";":
                    break;
                case "option":
                    SkipStatement();
                    break;
                case "rpc":
                    service.Methods.Add(ParseRpc());
                    break;
                default:
                    throw Error(token, $"unexpected '{token.Text}' in service {service.Name}");
            }
        }
    }

    private ProtoRpc ParseRpc()
    {
        var nameToken = Peek();
        var name = TakeName("an rpc name");
        var (input, clientStreaming) = ParseRpcType();
        Expect("returns");
        var (output, serverStreaming) = ParseRpcType();
        if (Peek().Text == "{")
        {
            SkipBlock();
        }
        else
        {
            Expect(";");
        }
        return new ProtoRpc(name, input, clientStreaming, output, serverStreaming, nameToken.Position);
    }

    private (string Type, bool Streaming) ParseRpcType()
    {
        Expect("(");
        var streaming = false;
        if (Peek().Text == "stream" && Peek(1).Text != ")")
        {
            Take();
            streaming = true;
        }
        var type = TakeName("a message type");
        Expect(")");
        return (type, streaming);
    }

    // Skips to the ';' ending a statement, over any { } aggregate values.
    private void SkipStatement()
    {
        var depth = 0;
        while (true)
        {
            var token = Take();
            if (token.Text == "{")
            {
                depth++;
            }
            else if (token.Text == "}")
            {
                depth--;
            }
            else if (token.Text == ";" && depth == 0)
            {
                return;
            }
        }
    }

    private void SkipBlock()
    {
        Expect("{");
        var depth = 1;
        while (depth > 0)
        {
            var text = Take().Text;
            depth += text == "{" ? 1 : text == "}" ? -1 : 0;
        }
    }

    private string TakeOptionName()
    {
        var name = new StringBuilder();
        while (Peek().Text != "=")
        {
            name.Append(Take().Text);
        }
        return name.ToString();
    }

    private Token Peek(int ahead = 0) =>
        _next + ahead < _tokens.Count ? _tokens[_next + ahead] : Token.EndOfFile(_tokens);

    private Token Take()
    {
        var token = Peek();
        if (token.Kind == TokenKind.EndOfFile)
        {
            throw Error(token, "unexpected end of file");
        }
        _next++;
        return token;
    }

    private void Expect(string text)
    {
        var token = Take();
        if (token.Text != text)
        {
            throw Error(token, $"expected '{text}' but found '{token.Text}'");
        }
    }

    private string TakeName(string what)
    {
        var token = Take();
        return token.IsName ? token.Text : throw Error(token, $"expected {what} but found '{token.Text}'");
    }

    private string TakeString()
    {
        var token = Take();
        return token.Kind == TokenKind.String ? token.Text.Substring(1, token.Text.Length - 2) : throw Error(token, $"expected a string but found '{token.Text}'");
    }

    private static ParseException Error(Token token, string message) => new(message, token.Position);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0, line = 0, lineStart = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                i++;
                line++;
                lineStart = i;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                i += 2;
                while (i < text.Length && !(text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/'))
                {
                    if (text[i] == '\n')
                    {
                        line++;
                        lineStart = i + 1;
                    }
                    i++;
                }
                i += 2;
            }
            else if (c == '"' || c == '\'')
            {
                var start = i++;
                var value = new StringBuilder();
                while (i < text.Length && text[i] != c && text[i] != '\n')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    value.Append(text[i++]);
                }
                i++;
                tokens.Add(new Token(TokenKind.String, "\"" + value + "\"", new ProtoPosition(start, i - start, line, start - lineStart)));
            }
            else if (IsNameChar(c))
            {
                var start = i;
                while (i < text.Length && IsNameChar(text[i]))
                {
                    i++;
                }
                tokens.Add(new Token(TokenKind.Name, text.Substring(start, i - start), new ProtoPosition(start, i - start, line, start - lineStart)));
            }
            else
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), new ProtoPosition(i, 1, line, i - lineStart)));
                i++;
            }
        }
        return tokens;
    }

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '.';

    private enum TokenKind { Name, String, Symbol, EndOfFile }

    private readonly struct Token
    {
        public Token(TokenKind kind, string text, ProtoPosition position)
        {
            Kind = kind;
            Text = text;
            Position = position;
        }

        public TokenKind Kind { get; }
        public string Text { get; }
        public ProtoPosition Position { get; }
        public bool IsName => Kind == TokenKind.Name;

        public static Token EndOfFile(List<Token> tokens) =>
            new(TokenKind.EndOfFile, "<end of file>", tokens.Count > 0 ? tokens[tokens.Count - 1].Position : default);
    }

    private sealed class ParseException : System.Exception
    {
        public ParseException(string message, ProtoPosition position) : base(message) => Position = position;

        public ProtoPosition Position { get; }
    }
}
