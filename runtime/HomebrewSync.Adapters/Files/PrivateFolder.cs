namespace HomebrewSync.Adapters.Files;

/// <summary>
/// A local folder where this process keeps what it trusts (staged bottles it verified, the git cache whose hooks and config
/// git runs): one another user could write in could change a verified bottle before it is uploaded, or plant a hook.
/// </summary>
public static class PrivateFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Makes the folder readable and writable by this user only when it is missing; finds fault with one that exists and
    /// belongs to another user, or that other users may write in (unless sticky, as /tmp: they cannot touch what is not theirs).
    /// </summary>
    /// <param name="what">What the folder is, for the refusal (<c>TEMP_DIR</c>).</param>
    /// <returns>Why the folder is not this user's alone, or null when it is.</returns>
    /// <exception cref="IOException">The folder could not be made.</exception>
    public static string? Ensure(string path, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return null;
        }
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }
        var mode = File.GetUnixFileMode(path);
        try
        {
            // Only a folder's owner may change its mode (root excepted): setting the mode it has is the test.
            File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
            return $"{what} {path} belongs to another user, who could change what is kept there; use a folder of your own";
        }
        return (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 && (mode & UnixFileMode.StickyBit) == 0
            ? $"{what} {path} may be written by other users (mode {Convert.ToString((int)mode & 0x1FF, 8)}), who could change what is kept there; remove their write access (chmod go-w) or use a folder of your own"
            : null;
    }
}
