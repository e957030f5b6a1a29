// probe.js: loaded after the page's own script by tests/html/report.sh:
// reads what the page drew and writes it into the DOM as key=value words.
(function(){
var out={},c=document.getElementById('tl'),g=c.getContext('2d');
function px(cv,x,y){return cv.getContext('2d').getImageData(Math.round(x),Math.round(y),1,1).data;}
function isGreen(d){return d[0]==58&&d[1]==154&&d[2]==74;}
try{
 var d=g.getImageData(0,0,c.width,c.height).data,ok=0,bad=0;
 for(var i=0;i<d.length;i+=4){if(d[i]==58&&d[i+1]==154&&d[i+2]==74)ok++;
  else if(d[i]==208&&d[i+1]==60&&d[i+2]==60)bad++;}
 out.green=ok;out.red=bad;
 var LW=+c.getAttribute('data-left'),AX=+c.getAttribute('data-top'),LH=+c.getAttribute('data-lane-height'),
  END=+c.getAttribute('data-end'),NL=+c.getAttribute('data-lanes'),sc=(c.width-LW-10)/END;
 out.lanes=NL;out.bars=c.getAttribute('data-bars');
 var tk=(c.getAttribute('data-ticks')||'').split('|'),seen={},dup=0;
 tk.forEach(function(t){if(seen[t])dup++;seen[t]=1;});out.ticks=tk.length;out.dupticks=dup;
 var wide=D.IDS.indexOf('wide'),g32=D.IDS.indexOf('g-3-2');
 for(var a=0;a<D.A.t.length;a++){
  var mid=(D.A.s[a]+D.A.e[a])/2,x=LW+mid*sc,r=c.getBoundingClientRect();
  if(D.A.t[a]===wide){var n=0;for(var l=0;l<NL;l++)if(isGreen(px(c,x,AX+l*LH+LH/2)))n++;
   out.widelanes=n;out.widelanesof=mbReport.lanesOf(a).length;
   c.dispatchEvent(new MouseEvent('mousemove',{clientX:r.left+x,clientY:r.top+AX+mbReport.lanesOf(a)[0]*LH+LH/2,bubbles:true}));}
  if(D.A.t[a]===g32)c.setAttribute('data-hover-g32',mbReport.text(a));}
 var grid=document.querySelector('#sw-0 canvas.grid');
 if(grid){out.cells=grid.getAttribute('data-cells');out.failedcells=grid.getAttribute('data-failed');
  var o=grid.getAttribute('data-origin').split(','),cs=grid.getAttribute('data-cell-size').split('x');
  var sw=D.SW[0],xi=sw.p[0].v.indexOf('3'),yi=sw.p[1]?sw.p[1].v.indexOf('2'):0;
  var p=px(grid,+o[0]+(xi+0.5)*cs[0],+o[1]+(yi+0.5)*cs[1]);out.redcell=(p[0]>180&&p[1]<120)?1:0;
  p=px(grid,+o[0]+0.5*cs[0],+o[1]+0.5*cs[1]);out.greencell=isGreen(p)?1:0;}
}catch(e){MB_ERRS.push(String(e));}
out.attempts=D.A.t.length;
out.resources=performance.getEntriesByType('resource').length;
out.errors=MB_ERRS.length;out.ms=Math.round(performance.now());
out.canvas=c.width+'x'+c.height;
var p=document.createElement('pre');p.id='mb-result';
p.textContent=Object.keys(out).map(function(k){return k+'='+out[k];}).join(' ');
document.body.appendChild(p);})();
