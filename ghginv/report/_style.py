"""The report pages' style sheet (inline in report.html and in the ``diff --html`` fragment)."""

CSS = """
body{font-family:-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px auto;max-width:1180px;color:#222}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:30px}
.synthetic{background:#fff3cd;border:2px solid #e0a800;padding:10px 14px;font-weight:bold;font-size:16px;margin:12px 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.ok{color:#176b1d;font-weight:bold}.bad{color:#b00020;font-weight:bold}
td.l:first-child{min-width:150px}td{overflow-wrap:anywhere}td:last-child{max-width:300px}.na{color:#777}td span.ok,td span.bad{white-space:nowrap}.small{font-size:12px;color:#555}svg.chart{display:block;margin:6px 0 18px 0;max-width:100%;height:auto}
"""
