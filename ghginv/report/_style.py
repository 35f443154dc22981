"""The report pages' style sheet (inline in report.html and in the ``diff --html`` fragment).

Screen: at most 1180 px wide; a wide table scrolls inside its own box (``.tw``), never the page. Print
(``@page`` A4, 12 mm margins): the page width is the sheet's, charts scale to it, table heads repeat on
every page, rows and charts are not split across pages, and long cells wrap instead of running off the sheet.
The text cells of a wide table (``table.wide``, the targets) and of the summary's table may break anywhere (a long unbreakable name a
user gives, a code), numbers never; the region column is wide enough for 全域; the targets'
sources are a numbered list under the table, the table's Source column their numbers.
"""

#: the fonts of the pages and their charts (the charts' text widths are estimated for these: :func:`ghginv.report.svg.text_width`)
FONT_FAMILY = '-apple-system,"Segoe UI","Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif'

CSS = """
body{font-family:""" + FONT_FAMILY + """;margin:24px auto;max-width:1180px;
padding:0 12px;color:#222}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:30px}
.synthetic{background:#fff3cd;border:2px solid #e0a800;padding:10px 14px;font-weight:bold;font-size:16px;margin:12px 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0;max-width:100%}table.wide{width:100%}table.wide td.l,.summary td.l{overflow-wrap:anywhere}
table.wide td:nth-child(2){min-width:2.6em}table.wide td:last-child{text-align:center}table.wide th:last-child{white-space:nowrap}a.ref{text-decoration:none}
.sources ol{margin:2px 0 10px 0;padding-left:28px;overflow-wrap:anywhere}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
caption{text-align:left;font-size:13px;color:#444;padding:2px 0;caption-side:top}
th{background:#f3f3f3}td.l,th.l{text-align:left}.ok{color:#176b1d;font-weight:bold}.bad{color:#b00020;font-weight:bold}
td.l:first-child{min-width:150px}td{overflow-wrap:break-word}td .small{overflow-wrap:anywhere}td:last-child{max-width:300px}.na{color:#777}td span.ok,td span.bad{white-space:nowrap}
.small{font-size:12px;color:#555}svg.chart{display:block;margin:6px 0 4px 0;max-width:100%;height:auto}
.chartdata table{font-size:12px}.chartdata{margin-bottom:18px}
.summary .cards{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}
.summary .card{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:220px;background:#fafafa}
.summary .k{font-size:13px;color:#555}.summary .v{font-size:26px;font-weight:bold}.summary .u{font-size:12px;color:#555}
@media print{
 @page{size:A4;margin:12mm}
 body{margin:0;max-width:none;padding:0;font-size:11px}
 h1{font-size:20px}h2{font-size:15px;margin-top:16px;break-after:avoid}h3{break-after:avoid}
 table{font-size:9.5px;width:auto;max-width:100%}th,td{padding:2px 4px}td.l:first-child{min-width:0}
 thead{display:table-header-group}tr,svg.chart,.card{break-inside:avoid}
 .chartdata table{font-size:9px}caption{font-size:10px}.small,td .small{font-size:8px}td span.ok,td span.bad{white-space:normal}
 td:last-child{max-width:170px}.summary .v{font-size:20px}table.wide{width:100%}table.wide td:nth-child(10){max-width:120px}
 svg.chart{width:100%;height:auto}
 .summary{break-after:page}
 a{color:inherit;text-decoration:none}
}
"""
