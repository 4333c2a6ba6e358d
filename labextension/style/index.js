import './base.css';
import './wrangler.css';
