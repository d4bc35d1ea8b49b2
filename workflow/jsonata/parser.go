package jsonata

type nodeKind int

const (
	nString nodeKind = iota
	nNumber
	nValue // true/false/null
	nRegex
	nName
	nVariable
	nWildcard
	nDescendant
	nParent
	nPath
	nBinary    // arithmetic, comparison, and/or, &, in, ..
	nNegate    // unary minus
	nArray     // array constructor
	nObject    // object constructor {k: v}
	nBlock     // ( e1; e2 )
	nBind      // $x := e
	nCondition // c ? a : b
	nCall      // f(args)
	nPartial   // f(?, x)
	nLambda    // function($x){...}
	nApply     // a ~> f
	nSort      // ^(...)
	nTransform // | pattern | update, delete |
	nPlaceholder
	nFilter // predicate stage
	nIndex  // #$i stage
)

type sortTerm struct {
	desc bool
	expr *node
}

type node struct {
	kind nodeKind
	pos  int
	str  string // name, variable, operator, string value
	num  float64
	val  any // nValue literal

	lhs, rhs *node
	args     []*node    // call args, array items, block exprs, path steps
	pairs    [][2]*node // object constructor

	predicate []*node // filters applied after evaluating a non-step node
	stages    []*node // filters / index bindings on a path step
	group     *node   // group-by object constructor (nObject)

	keepArray     bool // a[]
	keepSingleton bool // path: some step had []
	consArray     bool // array constructor used as a path step
	tuple         bool // step binds @ or #
	focus, index  string

	// lambda
	params []string
	sig    *signature
	body   *node

	// condition
	cond, then, els *node

	terms []sortTerm

	regex *regexValue

	// transform
	update, del *node
}

type parser struct {
	lx  *lexer
	tok *token
}

// Compile parses a JSONata expression (without the {% %} delimiters).
// The returned *Expr is immutable and safe for concurrent use. A syntax
// error is an *Error.
func Compile(expr string) (*Expr, error) {
	p := &parser{lx: &lexer{src: expr}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	n, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEnd {
		return nil, p.errTok("S0201", p.tok)
	}
	out, err := p.process(n)
	if err != nil {
		return nil, err
	}
	if markParentPaths(out) {
		// every % must be derivable from a field step before it
		levels, at := seekParent(out)
		if at != nil || levels > 0 {
			pos := 0
			if at != nil {
				pos = at.pos
			}
			return nil, p.err("S0217", pos, "token", "%")
		}
	}
	return &Expr{src: expr, root: out}, nil
}

// MustCompile is like Compile but panics on error. Use it for expressions
// known at build time (tests, package-level values).
func MustCompile(expr string) *Expr {
	e, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return e
}

func (p *parser) err(code string, pos int, kv ...any) *Error {
	return &Error{Expr: p.lx.src, Pos: pos, Code: code, Msg: msg(code, kv...)}
}

func tokText(t *token) string {
	switch t.kind {
	case tokEnd:
		return "(end)"
	case tokString:
		return t.str
	case tokVariable:
		return "$" + t.str
	case tokRegex:
		return "/" + t.str + "/" + t.flags
	}
	return t.str
}

func (p *parser) errTok(code string, t *token) *Error {
	if t.kind == tokEnd {
		return p.err("S0207", t.pos)
	}
	if t.kind == tokNumber {
		return p.err(code, t.pos, "token", t.num)
	}
	return p.err(code, t.pos, "token", tokText(t))
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) isOp(s string) bool { return p.tok.kind == tokOperator && p.tok.str == s }

func (p *parser) expect(s string) error {
	if !p.isOp(s) {
		if p.tok.kind == tokEnd {
			return p.err("S0203", p.tok.pos, "value", s)
		}
		return p.err("S0202", p.tok.pos, "value", s, "token", tokText(p.tok))
	}
	return p.advance()
}

// bindingPower of infix operators, as in JSONata's grammar.
func bindingPower(t *token) int {
	if t.kind != tokOperator {
		return 0
	}
	switch t.str {
	case ".":
		return 75
	case "[", "(", "@", "#":
		return 80
	case "{":
		return 70
	case "?":
		return 20
	case "+", "-", "&":
		return 50
	case "*", "/", "%":
		return 60
	case "=", "<", ">", "!=", "<=", ">=", "^", "~>", "in":
		return 40
	case ":=":
		return 10
	case "and":
		return 30
	case "or":
		return 25
	}
	return 0
}

func (p *parser) expression(rbp int) (*node, error) {
	t := p.tok
	if t.kind == tokEnd {
		return nil, p.err("S0207", t.pos)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	left, err := p.nud(t)
	if err != nil {
		return nil, err
	}
	for rbp < bindingPower(p.tok) {
		t = p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		left, err = p.led(t, left)
		if err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) nud(t *token) (*node, error) {
	switch t.kind {
	case tokString:
		return &node{kind: nString, pos: t.pos, str: t.str}, nil
	case tokNumber:
		return &node{kind: nNumber, pos: t.pos, num: t.num}, nil
	case tokValue:
		return &node{kind: nValue, pos: t.pos, val: t.value, str: t.str}, nil
	case tokName:
		return &node{kind: nName, pos: t.pos, str: t.str}, nil
	case tokVariable:
		return &node{kind: nVariable, pos: t.pos, str: t.str}, nil
	case tokRegex:
		rv, err := compileRegex(t.str, t.flags)
		if err != nil {
			return nil, p.err("S0303", t.pos, "value", "/"+t.str+"/"+t.flags)
		}
		return &node{kind: nRegex, pos: t.pos, regex: rv}, nil
	}
	switch t.str {
	case "and", "or", "in":
		return &node{kind: nName, pos: t.pos, str: t.str}, nil
	case "-":
		e, err := p.expression(70)
		if err != nil {
			return nil, err
		}
		return &node{kind: nNegate, pos: t.pos, lhs: e}, nil
	case "*":
		return &node{kind: nWildcard, pos: t.pos}, nil
	case "**":
		return &node{kind: nDescendant, pos: t.pos}, nil
	case "%":
		return &node{kind: nParent, pos: t.pos}, nil
	case "(":
		n := &node{kind: nBlock, pos: t.pos}
		for !p.isOp(")") {
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, e)
			if !p.isOp(";") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		return n, p.expect(")")
	case "[":
		n := &node{kind: nArray, pos: t.pos}
		if !p.isOp("]") {
			for {
				item, err := p.expression(0)
				if err != nil {
					return nil, err
				}
				if p.isOp("..") {
					pos := p.tok.pos
					if err := p.advance(); err != nil {
						return nil, err
					}
					rhs, err := p.expression(0)
					if err != nil {
						return nil, err
					}
					item = &node{kind: nBinary, pos: pos, str: "..", lhs: item, rhs: rhs}
				}
				n.args = append(n.args, item)
				if !p.isOp(",") {
					break
				}
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
		}
		return n, p.expect("]")
	case "{":
		n := &node{kind: nObject, pos: t.pos}
		if err := p.objectPairs(n); err != nil {
			return nil, err
		}
		return n, nil
	case "|":
		n := &node{kind: nTransform, pos: t.pos}
		pat, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		n.lhs = pat
		if err := p.expect("|"); err != nil {
			return nil, err
		}
		upd, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		n.update = upd
		if p.isOp(",") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			del, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.del = del
		}
		return n, p.expect("|")
	}
	if t.kind == tokEnd {
		return nil, p.err("S0207", t.pos)
	}
	return nil, p.err("S0211", t.pos, "token", t.str)
}

func (p *parser) objectPairs(n *node) error {
	if !p.isOp("}") {
		for {
			k, err := p.expression(0)
			if err != nil {
				return err
			}
			if err := p.expect(":"); err != nil {
				return err
			}
			v, err := p.expression(0)
			if err != nil {
				return err
			}
			n.pairs = append(n.pairs, [2]*node{k, v})
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return err
			}
		}
	}
	return p.expect("}")
}

func (p *parser) led(t *token, left *node) (*node, error) {
	op := t.str
	switch op {
	case "(":
		return p.call(t, left)
	case "[":
		if p.isOp("]") {
			p.lx.regexNext = true
			if err := p.advance(); err != nil {
				return nil, err
			}
			// a[] keeps singleton arrays
			return &node{kind: nFilter, pos: t.pos, str: "[]", lhs: left}, nil
		}
		e, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect("]"); err != nil {
			return nil, err
		}
		return &node{kind: nFilter, pos: t.pos, str: "[", lhs: left, rhs: e}, nil
	case "{":
		g := &node{kind: nObject, pos: t.pos}
		if err := p.objectPairs(g); err != nil {
			return nil, err
		}
		return &node{kind: nBinary, pos: t.pos, str: "{", lhs: left, rhs: g}, nil
	case "?":
		n := &node{kind: nCondition, pos: t.pos, cond: left}
		th, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		n.then = th
		if p.isOp(":") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			el, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.els = el
		}
		return n, nil
	case ":=":
		rhs, err := p.expression(9)
		if err != nil {
			return nil, err
		}
		return &node{kind: nBind, pos: t.pos, lhs: left, rhs: rhs}, nil
	case "^":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		n := &node{kind: nSort, pos: t.pos, lhs: left}
		for {
			desc := false
			if p.isOp("<") {
				if err := p.advance(); err != nil {
					return nil, err
				}
			} else if p.isOp(">") {
				desc = true
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.terms = append(n.terms, sortTerm{desc: desc, expr: e})
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if p.isOp(")") {
			p.lx.regexNext = true
		}
		return n, p.expect(")")
	case "@", "#":
		rhs, err := p.expression(bindingPower(t))
		if err != nil {
			return nil, err
		}
		if rhs.kind != nVariable {
			return nil, p.err("S0214", rhs.pos, "token", op)
		}
		return &node{kind: nBinary, pos: t.pos, str: op, lhs: left, rhs: rhs}, nil
	case ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>":
		rhs, err := p.expression(bindingPower(t))
		if err != nil {
			return nil, err
		}
		switch op {
		case "~>":
			return &node{kind: nApply, pos: t.pos, lhs: left, rhs: rhs}, nil
		}
		return &node{kind: nBinary, pos: t.pos, str: op, lhs: left, rhs: rhs}, nil
	}
	return nil, p.err("S0201", t.pos, "token", op)
}

func (p *parser) call(t *token, left *node) (*node, error) {
	n := &node{kind: nCall, pos: t.pos, lhs: left}
	if !p.isOp(")") {
		for {
			if p.isOp("?") {
				// placeholder for partial application
				n.args = append(n.args, &node{kind: nPlaceholder, pos: p.tok.pos})
				n.kind = nPartial
				if err := p.advance(); err != nil {
					return nil, err
				}
			} else {
				a, err := p.expression(0)
				if err != nil {
					return nil, err
				}
				n.args = append(n.args, a)
			}
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if left.kind == nName && (left.str == "function" || left.str == "λ") {
		lam := &node{kind: nLambda, pos: left.pos}
		for _, a := range n.args {
			if a.kind != nVariable {
				return nil, p.err("S0208", a.pos, "value", paramText(a))
			}
			lam.params = append(lam.params, a.str)
		}
		if p.isOp("<") {
			// signature: read raw text up to the matching '>'
			start := p.tok.pos + 1
			depth := 1
			src := p.lx.src
			i := start
			for i < len(src) && depth > 0 {
				switch src[i] {
				case '<':
					depth++
				case '>':
					depth--
				}
				i++
			}
			if depth != 0 {
				return nil, p.err("S0203", len(src), "value", ">")
			}
			sig, err := parseSignature(src[start : i-1])
			if err != nil {
				return nil, p.err("S0401", start)
			}
			lam.sig = sig
			p.lx.pos = i
			p.lx.prev = &token{kind: tokOperator, str: ">"}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if err := p.expect("{"); err != nil {
			return nil, err
		}
		body, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		lam.body = body
		return lam, p.expect("}")
	}
	return n, nil
}

func paramText(n *node) string {
	switch n.kind {
	case nName, nString:
		return n.str
	}
	return ""
}

// process restructures the raw parse tree: it flattens '.' into path steps,
// attaches predicates, group-by clauses and bindings to the right steps.
func (p *parser) process(n *node) (*node, error) {
	if n == nil {
		return nil, nil
	}
	switch n.kind {
	case nBinary:
		return p.processBinary(n)
	case nFilter:
		return p.processFilter(n)
	case nSort:
		return p.processSort(n)
	case nBind:
		if n.lhs.kind != nVariable {
			return nil, p.err("S0212", n.pos)
		}
		return p.processChildren(n, &n.rhs)
	case nNegate:
		if _, err := p.processChildren(n, &n.lhs); err != nil {
			return nil, err
		}
		if n.lhs.kind == nNumber {
			return &node{kind: nNumber, pos: n.pos, num: -n.lhs.num}, nil
		}
		return n, nil
	case nApply:
		return p.processChildren(n, &n.lhs, &n.rhs)
	case nCondition:
		return p.processChildren(n, &n.cond, &n.then, &n.els)
	case nBlock, nArray:
		return p.processChildren(n, argRefs(n.args)...)
	case nObject:
		return p.processPairs(n)
	case nCall, nPartial:
		refs := []**node{&n.lhs}
		for i := range n.args {
			if n.args[i].kind != nPlaceholder {
				refs = append(refs, &n.args[i])
			}
		}
		return p.processChildren(n, refs...)
	case nLambda:
		return p.processChildren(n, &n.body)
	case nTransform:
		return p.processChildren(n, &n.lhs, &n.update, &n.del)
	case nName:
		return &node{kind: nPath, pos: n.pos, args: []*node{n}}, nil
	case nParent:
		return n, nil
	case nPlaceholder:
		return nil, p.err("S0211", n.pos, "token", "?")
	}
	return n, nil
}

// processChildren processes the given children of n in place, in order, and
// returns n, or the first error.
func (p *parser) processChildren(n *node, children ...**node) (*node, error) {
	for _, c := range children {
		var err error
		if *c, err = p.process(*c); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// argRefs returns a pointer to each element of args.
func argRefs(args []*node) []**node {
	refs := make([]**node, len(args))
	for i := range args {
		refs[i] = &args[i]
	}
	return refs
}

// processBinary processes a binary operator: a path step ("."), a group
// by ("{"), a focus or index binding ("@", "#"), or any other operator,
// whose operands are processed in turn.
func (p *parser) processBinary(n *node) (*node, error) {
	switch n.str {
	case ".":
		return p.processPath(n)
	case "{":
		res, err := p.process(n.lhs)
		if err != nil {
			return nil, err
		}
		if res.group != nil {
			return nil, p.err("S0210", n.pos)
		}
		g, err := p.processPairs(n.rhs)
		if err != nil {
			return nil, err
		}
		res.group = g
		return res, nil
	case "@", "#":
		return p.processBinding(n)
	}
	return p.processChildren(n, &n.lhs, &n.rhs)
}

// processBinding processes "expr@$v" (focus) and "expr#$i" (index).
func (p *parser) processBinding(n *node) (*node, error) {
	res, err := p.process(n.lhs)
	if err != nil {
		return nil, err
	}
	// As in jsonata-js, '#' makes a lone expression a one-step path
	// (its predicates becoming stages); '@' leaves it alone, so the
	// binding only takes effect once it becomes a path step.
	step := res
	if res.kind == nPath {
		step = res.args[len(res.args)-1]
	} else if n.str == "#" {
		step.stages = append(step.stages, step.predicate...)
		step.predicate = nil
		res = &node{kind: nPath, pos: res.pos, args: []*node{res}}
	}
	if n.str == "@" {
		if len(step.stages) > 0 || len(step.predicate) > 0 {
			return nil, p.err("S0215", n.pos)
		}
		if step.kind == nSort {
			return nil, p.err("S0216", n.pos)
		}
		step.focus = n.rhs.str
	} else if len(step.stages) > 0 {
		step.stages = append(step.stages, &node{kind: nIndex, pos: n.pos, str: n.rhs.str})
	} else {
		step.index = n.rhs.str
	}
	step.tuple = true
	res.tuple = true
	return res, nil
}

// processFilter processes "expr[]" (keep the array) and "expr[pred]": the
// predicate becomes a stage of a path's last step, or a predicate of a lone
// expression.
func (p *parser) processFilter(n *node) (*node, error) {
	if n.str == "[]" {
		base := n.lhs
		for base.kind == nFilter {
			base = base.lhs
		}
		if base.kind == nBinary && base.str == "#" {
			// jsonata-js marks the path made by '#' itself: the mark
			// holds for that path alone and is lost when the path is
			// merged into an enclosing one
			res, err := p.process(n.lhs)
			if err != nil {
				return nil, err
			}
			res.keepArray = true
			return res, nil
		}
	}
	res, err := p.process(n.lhs)
	if err != nil {
		return nil, err
	}
	step := res
	inPath := res.kind == nPath
	if inPath {
		step = res.args[len(res.args)-1]
	}
	if n.str == "[]" {
		step.keepArray = true
		if inPath {
			res.keepSingleton = true
		}
		return res, nil
	}
	if step.group != nil {
		return nil, p.err("S0209", n.pos)
	}
	pred, err := p.process(n.rhs)
	if err != nil {
		return nil, err
	}
	f := &node{kind: nFilter, pos: n.pos, lhs: pred}
	if inPath {
		step.stages = append(step.stages, f)
	} else {
		step.predicate = append(step.predicate, f)
	}
	return res, nil
}

// processSort processes "expr^(terms)": the sort becomes the last step of
// a path.
func (p *parser) processSort(n *node) (*node, error) {
	res, err := p.process(n.lhs)
	if err != nil {
		return nil, err
	}
	if res.kind != nPath {
		res = &node{kind: nPath, pos: res.pos, args: []*node{res}}
	}
	for i := range n.terms {
		if n.terms[i].expr, err = p.process(n.terms[i].expr); err != nil {
			return nil, err
		}
	}
	res.args = append(res.args, &node{kind: nSort, pos: n.pos, terms: n.terms})
	return res, nil
}

func (p *parser) processPairs(n *node) (*node, error) {
	var err error
	for i := range n.pairs {
		if n.pairs[i][0], err = p.process(n.pairs[i][0]); err != nil {
			return nil, err
		}
		if n.pairs[i][1], err = p.process(n.pairs[i][1]); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (p *parser) processPath(n *node) (*node, error) {
	lstep, err := p.process(n.lhs)
	if err != nil {
		return nil, err
	}
	var res *node
	if lstep.kind == nPath {
		res = lstep
	} else {
		res = &node{kind: nPath, pos: lstep.pos, args: []*node{lstep}}
	}
	rest, err := p.process(n.rhs)
	if err != nil {
		return nil, err
	}
	if rest.kind == nPath {
		res.args = append(res.args, rest.args...)
		if rest.keepSingleton {
			res.keepSingleton = true
		}
		if rest.tuple {
			res.tuple = true
		}
		if rest.group != nil {
			// a.(b{...}) style: keep group on the last step
			res.args[len(res.args)-1].group = rest.group
		}
	} else {
		if len(rest.predicate) > 0 {
			rest.stages = append(rest.stages, rest.predicate...)
			rest.predicate = nil
		}
		res.args = append(res.args, rest)
	}
	for i, step := range res.args {
		switch step.kind {
		case nNumber, nValue:
			return nil, p.err("S0213", step.pos, "value", literalValue(step))
		case nString:
			step.kind = nName
		case nArray:
			if i > 0 || len(res.args) > 1 {
				step.consArray = true
			}
		}
		if step.keepArray {
			res.keepSingleton = true
		}
		if step.tuple {
			res.tuple = true
		}
	}
	return res, nil
}

func literalValue(n *node) any {
	if n.kind == nNumber {
		return n.num
	}
	return n.val
}

// seekParent reports how many ancestor levels n asks of the context it is
// evaluated in (via %), resolving them against the field steps of enclosing
// paths as jsonata-js does. A % that follows a step whose parent cannot be
// known (a function call, a constructor, $, a literal) is returned as bad.
func seekParent(n *node) (levels int, bad *node) {
	if n == nil {
		return 0, nil
	}
	switch n.kind {
	case nParent:
		return 1, nil
	case nLambda:
		return 0, nil
	case nPath:
		return seekPath(n)
	}
	max := 0
	visit := func(c *node) {
		if bad != nil || c == nil {
			return
		}
		l, b := seekParent(c)
		if b != nil {
			bad = b
		}
		if l > max {
			max = l
		}
	}
	for _, c := range []*node{n.lhs, n.rhs, n.group, n.cond, n.then, n.els, n.update, n.del} {
		visit(c)
	}
	for _, c := range n.args {
		visit(c)
	}
	for _, pr := range n.pairs {
		visit(pr[0])
		visit(pr[1])
	}
	for _, c := range n.predicate {
		visit(c)
	}
	for _, t := range n.terms {
		visit(t.expr)
	}
	return max, bad
}

// fieldLike reports whether a path step selects values out of its context
// (a field name or wildcard, or a block ending in such a path), so that the
// context is the parent of what it yields.
func fieldLike(st *node) bool {
	switch st.kind {
	case nName, nWildcard, nDescendant:
		return true
	case nBlock:
		if len(st.args) == 0 {
			return false
		}
		last := st.args[len(st.args)-1]
		return last.kind == nPath && fieldLike(last.args[len(last.args)-1])
	}
	return false
}

// seekPath also switches the paths that must track ancestors (those with
// % steps or whose steps serve as the parent of a %) to tuple evaluation.
func seekPath(n *node) (int, *node) {
	pending := 0
	steps := n.args
	used := false
	defer func() {
		if used {
			n.tuple = true
			for _, s := range steps {
				s.tuple = true
			}
		}
	}()
	// resolve walks back from the step before pos, consuming one level per
	// field step and adding one per % step.
	resolve := func(pos, levels int, at *node) *node {
		for j := pos - 1; j >= 0 && levels > 0; j-- {
			used = true
			switch {
			case fieldLike(steps[j]):
				levels--
			case steps[j].kind == nParent:
				levels++
			default:
				return at
			}
		}
		if levels > pending {
			pending = levels
		}
		return nil
	}
	for i, st := range steps {
		if st.kind == nParent {
			used = true
		}
		own := &node{kind: st.kind}
		*own = *st
		own.stages = nil
		l, bad := seekParent(own)
		if bad != nil {
			return 0, bad
		}
		if l > 0 {
			at := st
			if bad := resolve(i, l, at); bad != nil {
				return 0, bad
			}
		}
		for _, sg := range st.stages {
			l, bad := seekParent(sg.lhs)
			if bad != nil {
				return 0, bad
			}
			if l > 0 {
				if bad := resolve(i+1, l, sg); bad != nil {
					return 0, bad
				}
			}
		}
	}
	if n.group != nil {
		l, bad := seekParent(n.group)
		if bad != nil {
			return 0, bad
		}
		if l > 0 {
			if bad := resolve(len(steps), l, n.group); bad != nil {
				return 0, bad
			}
		}
	}
	return pending, nil
}

// markParentPaths reports whether n contains the parent operator %.
func markParentPaths(n *node) bool {
	if n == nil {
		return false
	}
	found := n.kind == nParent
	for _, c := range []*node{n.lhs, n.rhs, n.group, n.body, n.cond, n.then, n.els, n.update, n.del} {
		if markParentPaths(c) {
			found = true
		}
	}
	for _, c := range n.args {
		if markParentPaths(c) {
			found = true
		}
	}
	for _, pr := range n.pairs {
		if markParentPaths(pr[0]) {
			found = true
		}
		if markParentPaths(pr[1]) {
			found = true
		}
	}
	for _, c := range n.predicate {
		if markParentPaths(c) {
			found = true
		}
	}
	for _, c := range n.stages {
		if markParentPaths(c) {
			found = true
		}
	}
	for _, t := range n.terms {
		if markParentPaths(t.expr) {
			found = true
		}
	}
	return found
}
