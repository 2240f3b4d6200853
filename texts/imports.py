"""Words of the import page: dataset names, templates, invalid files, format help: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # why a file could not be read (``geodata.readers.unreadable_why``), inside issue.file_unreadable
    # and issue.archive_damaged
    "read_why.format": (
        "内容与扩展名不符（例如改了扩展名的 Word、RAR 文件或网页），或文件已损坏",
        "its content is not what its extension says (a renamed Word or RAR file, or a web page, for example), "
        "or it is damaged",
    ),
    "read_why.json": (
        "JSON 语法错误，在第 {line} 行第 {char} 个字符（{detail}），文件可能不完整",
        "JSON syntax error at line {line}, character {char} ({detail}); the file may be incomplete",
    ),
    "read_why.not_zip": (
        "内容不是 ZIP 格式（可能是 RAR/7z 压缩包、改了扩展名的文件，或下载失败时保存的网页）",
        "its content is not in ZIP format (a RAR or 7z archive, a renamed file, or a web page saved by a failed "
        "download, perhaps)",
    ),
    "read_why.zip_broken": ("压缩包不完整或已损坏（{detail}）", "the archive is incomplete or damaged ({detail})"),
    "read_why.other": ("{detail}", "{detail}"),
    "read_why.type": ("不支持 {detail} 类型的文件", "{detail} files are not supported"),
}
