/*
** wl_html_assets.c: the worklist page's own style and script (wl_html.c),
** inline in the page: no file or host outside it.
**
** The script sorts the rows (a click or Enter on a heading; again reverses)
** and filters them (the text box matches any cell, the selects a gap and a
** risk). It moves and hides rows only; it never writes markup, so no text of
** a record can become markup or script.
*/
const char wl_html_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#111}"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.2em 0 .4em}"
    ".meta{color:#555;margin:0}"
    ".grid{display:flex;flex-wrap:wrap;gap:0 2.5em}"
    "table{border-collapse:collapse}th,td{padding:2px 8px;text-align:left;vertical-align:top}"
    ".num{text-align:right}"
    ".counts table{float:left;margin-right:1em}.counts svg{display:block}"
    "svg.chart text{font:12px system-ui,sans-serif;fill:#111}svg.chart rect{fill:#3b6ea5}"
    "#worklist{width:100%}#worklist thead th{position:sticky;top:0;background:#e8eef5;cursor:pointer;"
    "border-bottom:2px solid #889;white-space:nowrap}"
    "#worklist tbody tr:nth-child(even){background:#f6f7f9}#worklist td{border-bottom:1px solid #e3e3e3}"
    "th[aria-sort=ascending]::after{content:' \\25B2'}th[aria-sort=descending]::after{content:' \\25BC'}"
    ".controls{display:flex;flex-wrap:wrap;gap:.5em 1.5em;align-items:center;margin:.3em 0}"
    ".hint{color:#555;margin:.2em 0}"
    "@media print{body{margin:0;font-size:10pt}.controls,.hint{display:none}"
    "#worklist thead{display:table-header-group}#worklist thead th{position:static;background:none}"
    "#worklist tr{break-inside:avoid}th[aria-sort]::after{content:''}"
    "svg.chart rect{fill:#555}.grid{display:block}section{break-inside:avoid}"
    "#list{break-before:page;break-inside:auto}#worklist tbody tr:nth-child(even){background:none}}";

const char wl_html_script[] =
    "(function(){'use strict';"
    "var t=document.getElementById('worklist'),body=t.tBodies[0],heads=t.tHead.rows[0].cells,"
    "q=document.getElementById('filter'),gs=document.getElementById('gap-filter'),"
    "rs=document.getElementById('risk-filter'),shown=document.getElementById('shown'),"
    "all=Array.prototype.slice.call(body.rows);"
    "function key(row,i,num){var s=row.cells[i].textContent;if(!num)return s;"
    "var v=parseFloat(s);return isNaN(v)?null:v;}"
    "function sortBy(i){var h=heads[i],num=h.getAttribute('data-type')==='num',"
    "dir=h.getAttribute('aria-sort')==='ascending'?-1:1;"
    "for(var k=0;k<heads.length;k++)heads[k].setAttribute('aria-sort','none');"
    "h.setAttribute('aria-sort',dir>0?'ascending':'descending');"
    "var rows=Array.prototype.slice.call(body.rows).map(function(r,n){return{r:r,k:key(r,i,num),n:n};});"
    "rows.sort(function(a,b){var x=a.k,y=b.k,c;"
    "if(x===y||(x===''&&y==='')||(x===null&&y===null))c=0;"
    "else if(x===null||x==='')return 1;else if(y===null||y==='')return -1;"
    "else c=num?(x<y?-1:1):x.localeCompare(y);return c*dir||a.n-b.n;});"
    "var f=document.createDocumentFragment();rows.forEach(function(o){f.appendChild(o.r);});body.appendChild(f);}"
    "for(var i=0;i<heads.length;i++)(function(i){heads[i].addEventListener('click',function(){sortBy(i);});"
    "heads[i].addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(i);}});})(i);"
    "function apply(){var s=q.value.trim().toLowerCase(),g=gs.value,r=rs.value,n=0;"
    "all.forEach(function(row){var ok=(!s||row.textContent.toLowerCase().indexOf(s)>=0)"
    "&&(!g||row.getAttribute('data-gaps').indexOf(' '+g+' ')>=0)&&(!r||row.getAttribute('data-risk')===r);"
    "row.hidden=!ok;if(ok)n++;});shown.textContent=n+' / '+all.length;}"
    "q.addEventListener('input',apply);gs.addEventListener('change',apply);rs.addEventListener('change',apply);apply();"
    "})();";
