// report_page.js: the script of `mpibatch report --format html` (embedded
// in the page by io/report.mk): the timeline, the utilisation above it and
// the parameter-space grids, drawn from the data D the page carries.
(function(){
"use strict";
var COL={succeeded:'#3a9a4a',failed:'#d03c3c',timed_out:'#e08a1e',interrupted:'#8a8a8a',
 input_error:'#9b4fc0',output_error:'#c04f9b',running:'#3b6fd8'};
var A=D.A,NA=A.t.length,NT=D.IDS.length,tip=document.getElementById('tip');
var STATES=['pending','ready','running','succeeded','failed','skipped'];
var RUNNING=D.OC.indexOf('running');

// ---- time formatting and axis ticks --------------------------------------
function dur(s){if(!(s>=0))return '?';if(s<60)return (s<10?s.toFixed(2):s.toFixed(1))+' s';
 if(s<3600)return Math.floor(s/60)+' min '+Math.round(s%60)+' s';
 return Math.floor(s/3600)+' h '+Math.round((s%3600)/60)+' min';}
var STEPS=[0.001,0.002,0.005,0.01,0.02,0.05,0.1,0.2,0.5,1,2,5,10,15,30,60,120,300,600,900,
 1800,3600,7200,10800,21600,43200,86400,172800,432000,864000];
// Ticks for [a,b] at least px pixels apart at sc pixels per second: round
// steps, labelled in s, min or h as the step asks, never twice the same.
function ticks(a,b,sc,px){
 var step=STEPS[STEPS.length-1],out=[],seen={};
 for(var i=0;i<STEPS.length;i++)if(STEPS[i]*sc>=px){step=STEPS[i];break;}
 var dec=step<1?Math.round(-Math.log10(step)+0.49):0;
 for(var n=Math.ceil(a/step-1e-9);n*step<=b+1e-9;n++){
  var v=n*step,l;
  if(step>=3600){var h=Math.floor(v/3600+1e-9),m=Math.round((v-h*3600)/60);l=h+' h'+(m?' '+m+' min':'');}
  else if(step>=60){var mi=Math.floor(v/60+1e-9),s=Math.round(v-mi*60);l=mi+' min'+(s?' '+s+' s':'');}
  else l=v.toFixed(dec)+' s';
  if(!seen[l]){seen[l]=1;out.push({t:v,l:l});}}
 return out;}

// ---- a task's sweep parameters -------------------------------------------
var TSW=new Int32Array(NT).fill(-1),TPOS=new Int32Array(NT);
D.SW.forEach(function(sw,si){sw.rows.forEach(function(row,k){TSW[row]=si;TPOS[row]=k;});});
function params(row){var si=TSW[row];if(si<0)return '';var sw=D.SW[si],k=TPOS[row];
 return sw.p.map(function(p){return p.n+'='+p.v[p.i[k]];}).join(', ');}

// ---- lanes: by node, then worker, one per slot ---------------------------
var nodeOrder={},ws=[],known={},i,j;
D.W.forEach(function(w){if(!(w[2] in nodeOrder))nodeOrder[w[2]]=Object.keys(nodeOrder).length;
 known[w[0]]=1;ws.push({rank:w[0],slots:Math.max(1,w[1]),node:w[2]});});
for(i=0;i<NA;i++)if(!known[A.w[i]]&&A.s[i]>=0){known[A.w[i]]=1;
 ws.push({rank:A.w[i],slots:1,node:'?'});nodeOrder['?']=1e9;}
ws.sort(function(a,b){return nodeOrder[a.node]-nodeOrder[b.node]||a.rank-b.rank;});
var END=Math.max(D.END,0),byw={};
ws.forEach(function(w){byw[w.rank]=[];});
for(i=0;i<NA;i++){if(A.s[i]<0)continue;byw[A.w[i]].push(i);
 if(A.o[i]!==RUNNING&&A.e[i]>END)END=A.e[i];if(A.s[i]>END)END=A.s[i];}
if(!(END>0))END=1;
// The end drawn: up to now (the end) for an attempt still running.
var EE=new Float64Array(NA);
for(i=0;i<NA;i++)EE[i]=(A.o[i]===RUNNING||A.e[i]<A.s[i])?END:A.e[i];
var lanes=[],laneAtts=[],ALO=new Float64Array(NA+1),AL=[],order=[];
ws.forEach(function(w){
 var first=lanes.length,free=[];
 for(var s=0;s<w.slots;s++){lanes.push({w:w,slot:s,extra:0});free.push(-Infinity);laneAtts.push([]);}
 byw[w.rank].sort(function(a,b){return A.s[a]-A.s[b];});
 byw[w.rank].forEach(function(i){
  // Every slot the attempt held: the lowest lanes free at its start.
  var k=Math.max(1,A.k[i]),got=[];
  for(var l=0;l<free.length&&got.length<k;l++)if(free[l]<=A.s[i]+1e-6)got.push(l);
  while(got.length<k){free.push(-Infinity);got.push(free.length-1);
   lanes.push({w:w,slot:free.length-1,extra:1});laneAtts.push([]);}
  got.forEach(function(l){free[l]=EE[i];laneAtts[first+l].push(i);});
  order.push(i);ALO[i]=AL.length;got.forEach(function(l){AL.push(first+l);});
  ALO[i]=ALO[i]*65536+got.length;});});
function lanesOf(i){var o=Math.floor(ALO[i]/65536),n=ALO[i]%65536;return AL.slice(o,o+n);}
var NL=Math.max(1,lanes.length);

// ---- geometry --------------------------------------------------------------
var ut=document.getElementById('ut'),tl=document.getElementById('tl');
var LW=190,AX=20,UH=60,LH=Math.max(2,Math.min(14,Math.floor(6000/NL)));
var W=Math.max(700,(tl.parentNode.clientWidth||document.body.clientWidth||1000)-20);
tl.width=W;tl.height=AX+NL*LH+4;ut.width=W;ut.height=UH+4;
tl.setAttribute('data-lanes',lanes.length);tl.setAttribute('data-lane-height',LH);
tl.setAttribute('data-left',LW);tl.setAttribute('data-top',AX);
var v0=0,v1=END,g=tl.getContext('2d'),gu=ut.getContext('2d');
function sc(){return (W-LW-10)/Math.max(v1-v0,1e-9);}
function X(t){return LW+(t-v0)*sc();}

// Utilisation: busy slots over all slots, from the attempts' start and
// end events; the integral at each event gives the mean per pixel.
var TOT=0;ws.forEach(function(w){TOT+=w.slots;});TOT=Math.max(TOT,D.SLOTS,1);
var ev=[];for(i=0;i<NA;i++)if(A.s[i]>=0){var k=Math.max(1,A.k[i]);ev.push([A.s[i],k],[EE[i],-k]);}
ev.sort(function(a,b){return a[0]-b[0];});
var ET=new Float64Array(ev.length+1),CI=new Float64Array(ev.length+1),LV=new Float64Array(ev.length+1);
(function(){var lv=0,ci=0,t=0;ET[0]=0;for(var n=0;n<ev.length;n++){ci+=lv*(ev[n][0]-t);t=ev[n][0];
 lv+=ev[n][1];ET[n+1]=t;CI[n+1]=ci;LV[n+1]=lv;}})();
function integ(t){var lo=0,hi=ET.length-1;while(lo<hi){var m=(lo+hi+1)>>1;if(ET[m]<=t)lo=m;else hi=m-1;}
 return CI[lo]+LV[lo]*(t-ET[lo]);}

function drawUt(){
 gu.clearRect(0,0,W,ut.height);gu.font='10px sans-serif';gu.fillStyle='#333';
 var mean=END>0?(integ(END)-integ(0))/END/TOT:0;
 gu.fillText('utilisation',2,12);gu.fillText('busy slots / '+TOT,2,24);
 gu.fillText('mean '+(100*mean).toFixed(1)+' %',2,36);
 gu.strokeStyle='#ccc';gu.strokeRect(LW,2,W-LW-10,UH);
 gu.fillStyle='#5a8fd8';var s=sc();
 for(var px=LW;px<W-10;px++){var a=v0+(px-LW)/s,b=a+1/s;if(b<=0||a>=END)continue;
  var u=(integ(Math.min(b,END))-integ(Math.max(a,0)))/(b-a)/TOT;u=Math.max(0,Math.min(1,u));
  if(u>0)gu.fillRect(px,2+UH*(1-u),1,UH*u);}
 gu.fillStyle='#333';gu.fillText('100 %',LW-30,10);gu.fillText('0',LW-10,UH+2);}

var hl=-1;   // the attempt focused with the keyboard
function draw(){
 var s=sc(),n=0;
 g.clearRect(0,0,W,tl.height);g.font='10px sans-serif';
 // worker bands and node separators
 var prevw=null,prevn=null;
 for(var l=0;l<lanes.length;l++){var ln=lanes[l],y=AX+l*LH;
  if(ln.w!==prevw){var wi=ws.indexOf(ln.w);g.fillStyle=wi%2?'#f4f4f4':'#fbfbfb';
   g.fillRect(0,y,W,ln.w.slots*LH);}
  if(ln.w.node!==prevn){g.fillStyle='#888';g.fillRect(0,y,W,1);
   if(LH>=6){g.fillStyle='#222';g.fillText(ln.w.node,2,y+Math.min(LH,12)-2);}}
  if(ln.w!==prevw&&LH>=6){g.fillStyle='#444';g.fillText('rank '+ln.w.rank,90,y+Math.min(LH,12)-2);}
  if(LH>=10){g.fillStyle='#777';g.fillText(ln.extra?'extra':'slot '+ln.slot,145,y+LH-3);}
  prevw=ln.w;prevn=ln.w.node;}
 // bars, one colour at a time
 for(var o=0;o<D.OC.length;o++){g.fillStyle=COL[D.OC[o]]||'#4a6fd0';
  for(var q=0;q<order.length;q++){var i=order[q];if(A.o[i]!==o)continue;
   if(EE[i]<v0||A.s[i]>v1)continue;
   var x0=Math.max(LW,X(A.s[i])),x1=Math.min(W-10,X(EE[i])),w=Math.max(1,x1-x0);
   var off=Math.floor(ALO[i]/65536),cnt=ALO[i]%65536;
   for(var c=0;c<cnt;c++){g.fillRect(x0,AX+AL[off+c]*LH+(LH>4?1:0),w,LH>4?LH-2:LH);n++;}}}
 if(hl>=0){g.strokeStyle='#000';g.lineWidth=2;lanesOf(hl).forEach(function(l){
  g.strokeRect(Math.max(LW,X(A.s[hl])),AX+l*LH,Math.max(2,X(EE[hl])-Math.max(LW,X(A.s[hl]))),LH);});}
 // the axis, on top
 g.fillStyle='#fff';g.fillRect(LW,0,W-LW,AX-1);g.fillStyle='#333';g.strokeStyle='#bbb';g.lineWidth=1;
 var tk=ticks(v0,v1,s,90);
 tk.forEach(function(t){var x=X(t.t);g.fillRect(x,AX-5,1,5);
  g.fillText(t.l,Math.min(x+2,W-60),AX-8);
  g.beginPath();g.moveTo(x+0.5,AX);g.lineTo(x+0.5,tl.height);g.strokeStyle='rgba(0,0,0,0.08)';g.stroke();});
 tl.setAttribute('data-bars',n);
 tl.setAttribute('data-ticks',tk.map(function(t){return t.l;}).join('|'));
 document.getElementById('view').textContent='showing '+dur(v0)+' to '+dur(v1)+' of '+dur(END);
 drawUt();}

function hitAt(x,y){var l=Math.floor((y-AX)/LH);if(l<0||l>=lanes.length||x<LW)return -1;
 var t=v0+(x-LW)/sc(),L=laneAtts[l],lo=0,hi=L.length-1,eps=1/sc();
 while(lo<=hi){var m=(lo+hi)>>1,a=L[m];if(EE[a]+eps<t)lo=m+1;else if(A.s[a]-eps>t)hi=m-1;else return a;}
 return -1;}
function text(i){var row=A.t[i],p=params(row),oc=D.OC[A.o[i]],r=D.RS[A.r[i]]||'';
 return D.IDS[row]+' attempt '+A.n[i]+': '+oc+
  '\nstart '+dur(A.s[i])+', end '+(oc==='running'?'(running)':dur(A.e[i]))+', wall '+dur(EE[i]-A.s[i])+(oc==='running'?' so far':'')+
  (oc==='running'?'':'\nexit '+A.x[i]+(A.g[i]?', signal '+A.g[i]:''))+(r?'\n'+r:'')+
  '\nworker rank '+A.w[i]+', '+Math.max(1,A.k[i])+' slot'+(A.k[i]>1?'s':'')+(D.CPUS[A.c[i]]?' (cpus '+D.CPUS[A.c[i]]+')':'')+
  (p?'\n'+p:'');}
function show(i,px,py){tip.textContent=text(i);tip.style.display='block';
 tip.style.left=(px+12)+'px';tip.style.top=(py+12)+'px';tl.setAttribute('data-tip',tip.textContent);}
function hide(){tip.style.display='none';}

// ---- zoom, pan, hover, keys ------------------------------------------------
function zoom(f,at){var t=at===undefined?(v0+v1)/2:at,span=Math.min(END,Math.max(1e-3,(v1-v0)*f));
 v0=t-(t-v0)*span/(v1-v0);v1=v0+span;clamp();draw();}
function clamp(){var span=v1-v0;if(v0<0){v0=0;v1=span;}if(v1>END){v1=END;v0=Math.max(0,END-span);}}
function pan(dt){v0+=dt;v1+=dt;clamp();draw();}
function onWheel(ev){ev.preventDefault();var r=tl.getBoundingClientRect(),x=ev.clientX-r.left;
 zoom(ev.deltaY<0?0.8:1.25,x>LW?v0+(x-LW)/sc():undefined);}
tl.addEventListener('wheel',onWheel,{passive:false});ut.addEventListener('wheel',onWheel,{passive:false});
var drag=null;
tl.onmousedown=function(ev){drag={x:ev.clientX,v0:v0,v1:v1};};
window.addEventListener('mouseup',function(){drag=null;});
tl.onmousemove=function(ev){var r=tl.getBoundingClientRect();
 if(drag&&Math.abs(ev.clientX-drag.x)>2){var dt=-(ev.clientX-drag.x)/sc();v0=drag.v0+dt;v1=drag.v1+dt;clamp();draw();hide();return;}
 var i=hitAt(ev.clientX-r.left,ev.clientY-r.top);if(i<0){hide();return;}show(i,ev.pageX,ev.pageY);};
tl.onmouseleave=hide;
tl.ondblclick=function(){v0=0;v1=END;draw();};
document.getElementById('zin').onclick=function(){zoom(0.5);};
document.getElementById('zout').onclick=function(){zoom(2);};
document.getElementById('zreset').onclick=function(){v0=0;v1=END;draw();};
// Keyboard: +/- zoom, 0 resets, arrows pan; Tab into the timeline, then n/p
// (or Enter) step through the attempts in time order with their details.
var byStart=order.slice().sort(function(a,b){return A.s[a]-A.s[b];}),pos=-1;
function focusAtt(q){pos=(q+byStart.length)%byStart.length;hl=byStart[pos];
 if(A.s[hl]<v0||A.s[hl]>v1){var span=v1-v0;v0=Math.max(0,A.s[hl]-span/4);v1=v0+span;clamp();}
 draw();var r=tl.getBoundingClientRect(),l=lanesOf(hl)[0];
 show(hl,r.left+window.scrollX+X(A.s[hl]),r.top+window.scrollY+AX+l*LH);}
tl.onkeydown=function(ev){var k=ev.key;
 if(k==='+'||k==='=')zoom(0.8);else if(k==='-')zoom(1.25);else if(k==='0'){v0=0;v1=END;draw();}
 else if(k==='ArrowLeft')pan(-(v1-v0)/10);else if(k==='ArrowRight')pan((v1-v0)/10);
 else if((k==='n'||k==='Enter')&&byStart.length)focusAtt(pos+1);
 else if(k==='p'&&byStart.length)focusAtt(pos-1);
 else return;ev.preventDefault();};
tl.onblur=function(){hl=-1;hide();draw();};
draw();
tl.setAttribute('data-end',END);
// For tests and the curious: where an attempt is drawn, and its hover text.
window.mbReport={lanesOf:lanesOf,text:text};

// ---- parameter space ---------------------------------------------------------
var RL=-1,RS=-1;   // the reason highlighted from the failures table, in sweep RS
function cellColour(c){
 if(!c||c.n===0)return null;
 if(c.s[4]+c.s[5]>0){var f=(c.s[4]+c.s[5])/c.n;
  return 'rgb('+Math.round(250-42*f)+','+Math.round(200-140*f)+','+Math.round(200-140*f)+')';}
 if(c.s[2]>0)return COL.running;
 if(c.s[3]===c.n)return COL.succeeded;
 if(c.s[3]>0)return '#9fd3a8';
 return '#dddddd';}
function wallColour(f){var a=[198,219,239],b=[8,48,107];
 return 'rgb('+a.map(function(x,k){return Math.round(x+(b[k]-x)*f);}).join(',')+')';}

function setupSweep(sw,si){
 var box=document.getElementById('sw-'+si),P=sw.p.length;if(!box||!P)return;
 var ctl=document.createElement('div'),note=document.createElement('p');note.className='note';
 box.appendChild(ctl);box.appendChild(note);
 var ax={x:0,y:P>1?1:-1},fixed=sw.p.map(function(){return -1;});   // -1: aggregated
 function sel(label,opts,val,fn){var l=document.createElement('label'),s=document.createElement('select');
  opts.forEach(function(o,k){var e=document.createElement('option');e.value=o[0];e.textContent=o[1];s.appendChild(e);});
  s.value=val;s.onchange=function(){fn(+s.value);};l.appendChild(document.createTextNode(label+' '));l.appendChild(s);
  ctl.appendChild(l);return s;}
 function controls(){ctl.textContent='';
  if(P<2)return;
  var names=sw.p.map(function(p,k){return [k,p.n];});
  sel('x axis',names,ax.x,function(v){if(v===ax.y)ax.y=ax.x;ax.x=v;controls();render();});
  sel('y axis',names,ax.y,function(v){if(v===ax.x)ax.x=ax.y;ax.y=v;controls();render();});
  sw.p.forEach(function(p,k){if(k===ax.x||k===ax.y)return;
   sel(p.n,[[-1,'all values (aggregated)']].concat(p.v.map(function(v,j){return [j,v];})),fixed[k],
    function(v){fixed[k]=v;render();});});}
 var oc=document.createElement('canvas'),wc=document.createElement('canvas'),sc1=null;
 oc.className='grid';wc.className='wall';box.appendChild(oc);box.appendChild(wc);
 if(P===1){sc1=document.createElement('canvas');sc1.className='scatter';box.appendChild(sc1);}
 var cells=[],nx=1,ny=1,CW=1,CH=1,GL=110,GT=18,wmin=0,wmax=0;
 function render(){
  var px=sw.p[ax.x],py=ax.y>=0?sw.p[ax.y]:null;nx=px.v.length;ny=py?py.v.length:1;
  cells=new Array(nx*ny);var used=0;
  for(var k=0;k<sw.rows.length;k++){
   var ok=true;for(var q=0;q<P;q++)if(fixed[q]>=0&&q!==ax.x&&q!==ax.y&&sw.p[q].i[k]!==fixed[q]){ok=false;break;}
   if(!ok)continue;used++;
   var ci=(py?py.i[k]:0)*nx+px.i[k],c=cells[ci]||(cells[ci]={n:0,s:[0,0,0,0,0,0],w:0,nw:0,t:[],r:{}});
   var row=sw.rows[k],st=D.TS[row];c.n++;if(st>=0)c.s[st]++;
   if(D.TW[row]>0&&st>=3){c.w+=D.TW[row];c.nw++;}
   if(c.t.length<6)c.t.push(row);if(D.TR[row]>=0)c.r[D.TR[row]]=(c.r[D.TR[row]]||0)+1;}
  wmin=Infinity;wmax=0;cells.forEach(function(c){if(c&&c.nw){var m=c.w/c.nw;if(m<wmin)wmin=m;if(m>wmax)wmax=m;}});
  if(!(wmin<=wmax)){wmin=0;wmax=0;}
  var others=sw.p.filter(function(p,q){return q!==ax.x&&q!==ax.y;}).map(function(p){var q=sw.p.indexOf(p);
   return fixed[q]<0?p.n+' aggregated ('+p.v.length+' values)':p.n+' fixed at '+p.v[fixed[q]];});
  note.textContent=(P===1?'Outcome per value of '+px.n+', and wall time against it.':
   'Cells: '+px.n+' \u00d7 '+py.n+' ('+nx+' \u00d7 '+ny+'), coloured by outcome (red: share failed or skipped), then mean wall time.')+
   (others.length?' Other parameters: '+others.join('; ')+'; '+used+' of '+sw.rows.length+' tasks shown.':'');
  CW=Math.max(3,Math.min(36,Math.floor(560/nx)));CH=Math.max(3,Math.min(28,Math.floor(420/ny)));
  if(P===1)CH=20;
  drawGrid(oc,true);drawGrid(wc,false);if(sc1)drawScatter();
  var failed=0,nonempty=0;cells.forEach(function(c){if(c&&c.n){nonempty++;if(c.s[4]+c.s[5]>0)failed++;}});
  oc.setAttribute('data-cells',nx*ny);oc.setAttribute('data-nx',nx);oc.setAttribute('data-ny',ny);
  oc.setAttribute('data-nonempty',nonempty);oc.setAttribute('data-failed',failed);
  oc.setAttribute('data-cell-size',CW+'x'+CH);oc.setAttribute('data-origin',GL+','+GT);}
 function drawGrid(cv,outcome){
  var px=sw.p[ax.x],py=ax.y>=0?sw.p[ax.y]:null;
  cv.width=GL+nx*CW+20;cv.height=GT+ny*CH+74;var c=cv.getContext('2d');
  c.font='10px sans-serif';c.fillStyle='#222';
  c.fillText(outcome?'outcome':'mean wall time',GL,11);
  for(var y=0;y<ny;y++)for(var x=0;x<nx;x++){var cl=cells[y*nx+x];
   var col=outcome?cellColour(cl):(cl&&cl.nw?wallColour(wmax>wmin?(cl.w/cl.nw-wmin)/(wmax-wmin):0.5):null);
   if(col){c.fillStyle=col;c.fillRect(GL+x*CW,GT+y*CH,CW-(CW>4?1:0),CH-(CH>4?1:0));}
   else{c.strokeStyle='#ddd';c.strokeRect(GL+x*CW+0.5,GT+y*CH+0.5,CW-2,CH-2);}
   if(outcome&&RL>=0&&RS===si&&cl&&cl.r[RL]){c.strokeStyle='#000';c.lineWidth=2;
    c.strokeRect(GL+x*CW+1,GT+y*CH+1,CW-3,CH-3);c.lineWidth=1;}}
  c.fillStyle='#333';
  var sx=Math.ceil(12/CW),sy=Math.ceil(11/CH);
  for(x=0;x<nx;x+=sx){c.save();c.translate(GL+x*CW+CW/2+3,GT+ny*CH+4);c.rotate(Math.PI/3);
   c.fillText(px.v[x].slice(0,12),0,0);c.restore();}
  if(py)for(y=0;y<ny;y+=sy)c.fillText(py.v[y].slice(0,16),2,GT+y*CH+Math.min(CH,12)-2);
  c.fillText(px.n+' \u2192',GL,cv.height-4);
  if(py)c.fillText(py.n+' \u2193',2,11);
  if(!outcome){c.fillText(dur(wmin)+' .. '+dur(wmax),GL+80,11);}}
 function drawScatter(){
  var px=sw.p[0],c=sc1.getContext('2d'),Wd=560,H=200,L=60,T=10;sc1.width=Wd+L+20;sc1.height=H+40;
  var num=px.num,xs=px.v.map(Number),lo=num?Math.min.apply(null,xs):0,hi=num?Math.max.apply(null,xs):px.v.length-1;
  if(hi<=lo)hi=lo+1;var ymax=0;sw.rows.forEach(function(row){if(D.TW[row]>ymax)ymax=D.TW[row];});if(!(ymax>0))ymax=1;
  c.font='10px sans-serif';c.strokeStyle='#ccc';c.strokeRect(L,T,Wd,H);c.fillStyle='#333';
  c.fillText('wall time',2,T+10);c.fillText(dur(ymax),2,T+22);c.fillText('0',L-10,T+H);
  c.fillText(px.n+' \u2192',L+Wd-60,T+H+30);c.fillText(px.v[0],L,T+H+14);c.fillText(px.v[px.v.length-1],L+Wd-40,T+H+14);
  sw.rows.forEach(function(row,k){var v=num?xs[px.i[k]]:px.i[k],st=D.TS[row];
   var x=L+(v-lo)/(hi-lo)*Wd,y=T+H-(D.TW[row]>0?D.TW[row]/ymax*H:0);
   c.fillStyle=st===3?COL.succeeded:st===4||st===5?COL.failed:st===2?COL.running:'#999';
   c.fillRect(x-2,y-2,4,4);});}
 function cellAt(ev,cv){var r=cv.getBoundingClientRect(),x=Math.floor((ev.clientX-r.left-GL)/CW),
  y=Math.floor((ev.clientY-r.top-GT)/CH);if(x<0||y<0||x>=nx||y>=ny)return null;return {x:x,y:y,c:cells[y*nx+x]};}
 function cellText(h){var px=sw.p[ax.x],py=ax.y>=0?sw.p[ax.y]:null,c=h.c;
  var s=px.n+'='+px.v[h.x]+(py?', '+py.n+'='+py.v[h.y]:'');
  if(!c)return s+': no task';
  s+=': '+c.n+' task'+(c.n>1?'s':'')+': '+STATES.map(function(n,k){return c.s[k]?c.s[k]+' '+n:'';}).filter(String).join(', ');
  if(c.nw)s+='\nmean wall time '+dur(c.w/c.nw);
  Object.keys(c.r).forEach(function(k){s+='\n'+c.r[k]+' \u00d7 '+D.RS[k];});
  return s+'\n'+c.t.map(function(r){return D.IDS[r];}).join(', ')+(c.n>c.t.length?', ...':'');}
 [oc,wc].forEach(function(cv){cv.onmousemove=function(ev){var h=cellAt(ev,cv);if(!h){hide();return;}
  tip.textContent=cellText(h);tip.style.display='block';tip.style.left=(ev.pageX+12)+'px';tip.style.top=(ev.pageY+12)+'px';};
  cv.onmouseleave=hide;});
 box.mbCellText=function(x,y){return cellText({x:x,y:y,c:cells[y*nx+x]});};
 box.mbRender=render;
 controls();render();}
D.SW.forEach(setupSweep);
Array.prototype.forEach.call(document.querySelectorAll('a.rl'),function(a){
 a.onclick=function(){var r=+a.getAttribute('data-r'),s=+a.getAttribute('data-s');
  var on=!(RL===r&&RS===s);RL=on?r:-1;RS=on?s:-1;
  Array.prototype.forEach.call(document.querySelectorAll('a.rl'),function(b){b.classList.remove('on');});
  if(on)a.classList.add('on');
  D.SW.forEach(function(sw,si){var b=document.getElementById('sw-'+si);if(b&&b.mbRender)b.mbRender();});};});
})();
