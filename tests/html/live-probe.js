// live-probe.js: loaded after the page's own script by tests/html/live.sh:
// what the page shows of the attempts still running, as key=value words
// in the DOM.
(function(){
var out={},c=document.getElementById('tl');
function blue(d){return d[0]==59&&d[1]==111&&d[2]==216;}
try{
 var g=c.getContext('2d'),LW=+c.getAttribute('data-left'),AX=+c.getAttribute('data-top'),
  LH=+c.getAttribute('data-lane-height'),END=+c.getAttribute('data-end'),sc=(c.width-LW-10)/END;
 var RUN=D.OC.indexOf('running'),run=0,lanes=0,bluelanes=0,wide=D.IDS.indexOf('long-wide');
 for(var a=0;a<D.A.t.length;a++){if(D.A.o[a]!==RUN)continue;run++;
  // Just before the end of the timeline (now): a running bar reaches it.
  var x=Math.round(LW+(END-0.02*END)*sc),ls=mbReport.lanesOf(a);lanes+=ls.length;
  ls.forEach(function(l){if(blue(g.getImageData(x,Math.round(AX+l*LH+LH/2),1,1).data))bluelanes++;});
  if(D.A.t[a]===wide){out.widelanes=ls.length;c.setAttribute('data-tip-wide',mbReport.text(a));}}
 out.running=run;out.runlanes=lanes;out.bluelanes=bluelanes;
 var d=g.getImageData(0,0,c.width,c.height).data,b=0;
 for(var i=0;i<d.length;i+=4)if(d[i]==59&&d[i+1]==111&&d[i+2]==216)b++;
 out.blue=b;out.end=END.toFixed(1);
}catch(e){MB_ERRS.push(String(e));}
out.live=D.LIVE;
out.runrows=Math.max(0,document.querySelectorAll('#running tr').length-1);
out.resources=performance.getEntriesByType('resource').length;
out.errors=MB_ERRS.length;
var p=document.createElement('pre');p.id='mb-result';
p.textContent=Object.keys(out).map(function(k){return k+'='+out[k];}).join(' ');
document.body.appendChild(p);})();
